import fs from 'node:fs';
import path from 'node:path';
import { addWorktreeForBranch } from './git/worktree-add.js';
import { pruneWorktrees } from './git/worktree-prune.js';
import { worktreeState } from './worktree-state.js';

/**
 * Makes a session's worktree exist again from its branch when its folder was deleted by hand (the
 * branch, and so every committed step, is still there). Returns true when it had to be re-made.
 */
export async function ensureSessionWorktree(repoRoot: string, worktree: string, branch: string): Promise<boolean> {
  const { state } = await worktreeState(repoRoot, worktree);
  if (state === 'present') return false;
  await pruneWorktrees(repoRoot);
  if (fs.existsSync(worktree) && fs.readdirSync(worktree).length > 0) {
    // A folder git does not know, with content: move it aside rather than delete or reuse it.
    fs.renameSync(worktree, `${worktree}.orphaned-${Date.now()}`);
  }
  fs.mkdirSync(path.dirname(worktree), { recursive: true });
  await addWorktreeForBranch(repoRoot, worktree, branch);
  return true;
}
