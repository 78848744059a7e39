import fs from 'node:fs';
import { FactoryError } from '../errors/factory-error.js';
import { readRef } from './git/read-ref.js';
import { resetSessionWorktree } from './git/reset-hard.js';
import { snapshotWorktree } from './git/snapshot-worktree.js';
import { updateRef } from './git/update-ref.js';
import { pruneWorktrees } from './git/worktree-prune.js';
import { verifyWorktreeGit } from './git/worktree-git.js';
import { withRepoLock } from './repo-lock.js';
import { worktreeState } from './worktree-state.js';

export interface RollbackRequest {
  readonly repoRoot: string;
  readonly commonDir: string;
  readonly worktree: string;
  /** The worktree's admin dir as recorded (null: find it from the repository's side). */
  readonly gitDir: string | null;
  readonly branch: string;
  readonly toCommit: string;
  readonly archiveRef: string;
  readonly wipRef: string;
}

export interface RollbackOutcome {
  readonly fromCommit: string;
  readonly wipRef: string | null;
  /** false when the worktree folder was gone: only the branch moved. */
  readonly worktreeMoved: boolean;
}

/**
 * Moves a session branch to an earlier (or, to restore, a later) commit; the worktree follows. Before
 * anything moves, the current head is kept under `archiveRef` and uncommitted work in the worktree as
 * a commit under `wipRef`, so every dropped commit stays reachable and can be restored.
 */
export async function rollbackBranch(request: RollbackRequest): Promise<RollbackOutcome> {
  return withRepoLock(request.commonDir, async () => {
    const branchRef = `refs/heads/${request.branch}`;
    const head = await readRef(request.commonDir, branchRef);
    if (head === null)
      throw new FactoryError('SESSION_DISCARDED', `The session branch ${request.branch} no longer exists; there is nothing to roll back.`);
    const { state } = await worktreeState(request.repoRoot, request.worktree);
    let wipRef: string | null = null;
    const wt = state === 'present' ? verifyWorktreeGit(request.commonDir, request.worktree, request.gitDir) : null;
    if (wt !== null) {
      const wip = await snapshotWorktree(wt, `mlx-factory: uncommitted work in ${request.worktree} before a rollback`);
      if (wip !== null) {
        await updateRef(request.repoRoot, { ref: request.wipRef, newValue: wip, reason: 'mlx-factory: rollback (uncommitted work)' });
        wipRef = request.wipRef;
      }
    }
    await updateRef(request.repoRoot, { ref: request.archiveRef, newValue: head, reason: 'mlx-factory: rollback (dropped commits)' });
    if (wt !== null) {
      await resetSessionWorktree(wt, request.toCommit);
      return { fromCommit: head, wipRef, worktreeMoved: true };
    }
    // The folder was deleted by hand (or never registered): forget it, then move the branch alone.
    if (state === 'folder-missing' || !fs.existsSync(request.worktree)) await pruneWorktrees(request.repoRoot);
    await updateRef(request.repoRoot, { ref: branchRef, newValue: request.toCommit, expectedOld: head, reason: 'mlx-factory: rollback' });
    return { fromCommit: head, wipRef, worktreeMoved: false };
  });
}
