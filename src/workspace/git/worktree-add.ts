import { runGit } from './run-git.js';

/** Checks an existing branch out into a new linked worktree (re-making a session's deleted folder). */
export async function addWorktreeForBranch(repoRoot: string, worktree: string, branch: string): Promise<void> {
  await runGit(['worktree', 'add', '--quiet', worktree, branch], { cwd: repoRoot });
}
