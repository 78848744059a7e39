import { looksBinary, readBlobs } from './git/read-blobs.js';
import type { ChangedFile } from './git/diff-file-list.js';

/**
 * The two sides of one changed file, for a side-by-side diff view (Monaco's DiffEditor takes two
 * strings). Binary or very large sides are described, not sent.
 */
const MAX_TEXT_BYTES = 5 * 1024 * 1024;

export interface FileSide {
  readonly path: string;
  readonly size: number;
  readonly binary: boolean;
  /** The text, or null for a binary side or one over MAX_TEXT_BYTES. */
  readonly text: string | null;
}

export interface ContentPair {
  readonly path: string;
  /** null: the file does not exist on that side (added / deleted). */
  readonly before: FileSide | null;
  readonly after: FileSide | null;
}

const ZERO = /^0+$/;

/** `oldOid`/`newOid`: blob ids from a diff listing (all zeros = absent), or `<commit>:<path>` specs. */
export async function readContentPair(
  repoRoot: string,
  file: Pick<ChangedFile, 'path' | 'oldPath' | 'oldOid' | 'newOid'>,
): Promise<ContentPair> {
  const specs = [file.oldOid, file.newOid].filter((oid) => !ZERO.test(oid));
  const blobs = await readBlobs(repoRoot, specs);
  const byOid = new Map(blobs.map((b) => [b.spec, b.content]));
  const side = (oid: string, sidePath: string): FileSide | null => {
    if (ZERO.test(oid)) return null;
    const content = byOid.get(oid) ?? null;
    if (content === null) return null;
    const binary = looksBinary(content);
    return {
      path: sidePath,
      size: content.length,
      binary,
      text: binary || content.length > MAX_TEXT_BYTES ? null : content.toString('utf8'),
    };
  };
  return { path: file.path, before: side(file.oldOid, file.oldPath ?? file.path), after: side(file.newOid, file.path) };
}
