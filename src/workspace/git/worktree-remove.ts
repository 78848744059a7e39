import { runGit } from './run-git.js';

/**
 * Removes a session's linked worktree. `--force` twice: the folder holds the check's leftovers
 * (untracked files) and may be locked; whatever mattered was snapshotted under a ref beforehand.
 */
export async function removeWorktree(repoRoot: string, worktree: string): Promise<void> {
  await runGit(['worktree', 'remove', '--force', '--force', worktree], { cwd: repoRoot });
}
