import { runGit } from './run-git.js';

/** Forgets worktrees whose folders were deleted by hand, so their branches can move and be deleted. */
export async function pruneWorktrees(repoRoot: string): Promise<void> {
  await runGit(['worktree', 'prune'], { cwd: repoRoot });
}
