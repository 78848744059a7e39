/**
 * Names the Hub hands us become paths under the repo's cache folder (snapshots/<commit>/<file>,
 * blobs/<etag>, refs/<revision>), so each must be plain before anything is written: segments only,
 * no `..`, no `.`, no empty segment, no leading `/`, no backslash, no control characters. The
 * same rule as huggingface_hub's own repo paths, applied by us because the endpoint may be hostile.
 */
export function isPlainRepoPath(value: string): boolean {
  if (value === '' || value.length > 1024 || value.startsWith('/') || value.includes('\\')) return false;
  if (/[\u0000-\u001f\u007f]/.test(value)) return false;
  return value.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** A git commit id as the Hub names them: 40 lowercase hexadecimal characters. */
export const COMMIT_ID_PATTERN = /^[0-9a-f]{40}$/;
