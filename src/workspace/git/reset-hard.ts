import { runGit } from './run-git.js';
import { gitPlace, type WorktreeGit } from './worktree-git.js';

/**
 * Moves a *session* worktree's branch and files to a commit. Only ever run in worktrees the app owns,
 * after their uncommitted work was snapshotted; never in the user's folder.
 */
export async function resetSessionWorktree(worktree: WorktreeGit, commit: string): Promise<void> {
  await runGit(['reset', '--quiet', '--hard', commit], gitPlace(worktree));
}
