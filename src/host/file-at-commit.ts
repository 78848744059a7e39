import type { FileSide } from '../api/payloads.js';
import { runGit } from '../workspace/git/run-git.js';

/** Files bigger than this are described, not sent (the diff editor would choke on them anyway). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** One side of the diff editor: a file's content at a commit, or that it does not exist there. */
export async function fileAtCommit(cwd: string, commit: string, path: string): Promise<FileSide> {
  const listing = await runGit(['ls-tree', '-l', '-z', commit, '--', path], { cwd });
  const entry = listing.stdout.split('\0').find((line) => line.endsWith(`\t${path}`));
  if (entry === undefined) return { exists: false, binary: false, tooLarge: false, size: 0, text: null };
  // "<mode> <type> <sha> <size>\t<path>"
  const [mode = '', type = '', sha = '', sizeText = '0'] = entry.slice(0, entry.indexOf('\t')).trim().split(/\s+/);
  const size = Number(sizeText) || 0;
  if (type !== 'blob') return { exists: true, binary: true, tooLarge: false, size, text: null }; // a submodule
  if (size > MAX_FILE_BYTES) return { exists: true, binary: false, tooLarge: true, size, text: null };
  const blob = await runGit(['cat-file', 'blob', sha], { cwd });
  // git's own test for binary content: a NUL byte in the first 8000 bytes. A symlink shows its target.
  const binary = mode !== '120000' && blob.stdout.slice(0, 8000).includes('\0');
  return { exists: true, binary, tooLarge: false, size, text: binary ? null : blob.stdout };
}
