import { runGit } from './run-git.js';

/** After a repository moved: re-links its linked worktrees with it (both directions), run from the new place. */
export async function repairWorktree(repoRoot: string, worktree: string): Promise<void> {
  await runGit(['worktree', 'repair', worktree], { cwd: repoRoot });
}
