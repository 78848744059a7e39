import { runGit } from './run-git.js';
import { gitPlace, type GitAt } from './worktree-git.js';

/** Tracked files of a worktree at its HEAD (relative POSIX paths). */
export async function listTrackedFiles(at: GitAt): Promise<string[]> {
  const result = await runGit(['ls-files', '-z'], gitPlace(at));
  return result.stdout.split('\0').filter((f) => f !== '');
}
