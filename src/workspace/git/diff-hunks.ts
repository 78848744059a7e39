import { runGit } from './run-git.js';

/**
 * The hunks between two blobs as `git diff -U0` numbers them: each changed region on its own, the unit a
 * reviewer reverts. One algorithm (myers, pinned against the user's diff.algorithm) for listing them and
 * for checking a revert request, so the numbers a client shows are the numbers the revert accepts.
 */
export interface DiffHunk {
  /** First old line (after which lines were added, when oldLines is 0). */
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
}

const HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export async function diffHunks(cwd: string, oldBlob: string, newBlob: string): Promise<DiffHunk[]> {
  const result = await runGit(
    ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--diff-algorithm=myers', '--no-indent-heuristic', '-U0', oldBlob, newBlob],
    { cwd },
  );
  return parseHunkHeaders(result.stdout);
}

function parseHunkHeaders(diff: string): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  for (const line of diff.split('\n')) {
    const m = HEADER.exec(line);
    if (m === null) continue;
    hunks.push({
      oldStart: Number(m[1]),
      oldLines: m[2] === undefined ? 1 : Number(m[2]),
      newStart: Number(m[3]),
      newLines: m[4] === undefined ? 1 : Number(m[4]),
    });
  }
  return hunks;
}
