import { readWorktreeText } from '../workspace/worktree-files.js';
import { rankRepoFiles, renderRepoMap, type RepoFile } from '../agents/repo-map.js';

/** Files beyond this many (in rank order) are listed by path only, without being read. */
const MAX_FILES_READ = 300;
const MAX_FILE_BYTES = 256 * 1024;

/** The repo map for a worktree: the I/O half of agents/repo-map.ts. */
export function worktreeRepoMap(worktree: string, trackedFiles: readonly string[], taskText: string, maxChars: number): string {
  const ranked = rankRepoFiles(trackedFiles, taskText);
  const files: RepoFile[] = ranked.map((file, index) => ({
    path: file,
    content: index < MAX_FILES_READ ? readSmallText(worktree, file) : null,
  }));
  return renderRepoMap(files, maxChars);
}

function readSmallText(worktree: string, file: string): string | null {
  const read = readWorktreeText(worktree, file, { maxBytes: MAX_FILE_BYTES, overCap: 'refuse' });
  return read.ok ? read.text : null;
}
