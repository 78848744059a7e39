import { runGit } from './run-git.js';
import { gitPlace, type GitAt } from './worktree-git.js';

/**
 * Every path that differs between two tree-ishes (no rename pairing, so both sides of a rename are
 * listed): the paths a checkout at `from` would have rewritten to reach `to`.
 */
export async function changedPaths(at: GitAt, from: string, to: string): Promise<string[]> {
  const result = await runGit(['diff-tree', '-r', '-z', '--name-only', '--no-renames', from, to], gitPlace(at));
  return result.stdout.split('\0').filter((p) => p !== '');
}
