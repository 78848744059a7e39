import fs from 'node:fs';
import path from 'node:path';
import { deleteRef, updateRef } from './git/update-ref.js';
import { readRef } from './git/read-ref.js';
import { removeWorktree } from './git/worktree-remove.js';
import { pruneWorktrees } from './git/worktree-prune.js';
import { snapshotWorktree } from './git/snapshot-worktree.js';
import { checkWorktreePointer, verifyWorktreeGit } from './git/worktree-git.js';
import { withRepoLock } from './repo-lock.js';
import { worktreeState } from './worktree-state.js';

export interface DiscardRequest {
  readonly repoRoot: string;
  readonly commonDir: string;
  readonly worktree: string;
  /** The worktree's admin dir as recorded (null: find it from the repository's side). */
  readonly gitDir: string | null;
  /** The app's worktrees folder: a stray folder is deleted only if it lies inside it. */
  readonly worktreesRoot: string;
  readonly branch: string;
  readonly archiveRef: string;
  readonly wipRef: string;
}

export interface DiscardOutcome {
  readonly headCommit: string | null;
  readonly archiveRef: string | null;
  readonly wipRef: string | null;
  readonly worktreeRemoved: boolean;
  readonly branchDeleted: boolean;
}

/**
 * Discarding a session's workspace, keeping its work reachable: the branch head goes under an archive
 * ref and uncommitted work in the worktree under a second one; then the worktree is removed (or
 * pruned, when its folder was deleted by hand) and the branch deleted.
 */
export async function discardWorkspace(request: DiscardRequest): Promise<DiscardOutcome> {
  return withRepoLock(request.commonDir, async () => {
    const branchRef = `refs/heads/${request.branch}`;
    const head = await readRef(request.commonDir, branchRef);
    // Archive first: whatever fails after this, the session's commits stay reachable.
    if (head !== null) await updateRef(request.repoRoot, { ref: request.archiveRef, newValue: head, reason: 'mlx-factory: discard' });
    const removed = await removeSessionWorktree(request);
    if (head !== null) await deleteRef(request.repoRoot, branchRef, head);
    return {
      headCommit: head,
      archiveRef: head === null ? null : request.archiveRef,
      wipRef: removed.ref,
      worktreeRemoved: removed.removed,
      branchDeleted: head !== null,
    };
  });
}

/**
 * Removes a session worktree after keeping its uncommitted work under `wipRef`. Shared with merge's
 * optional worktree removal. Returns the ref written (null: nothing uncommitted) and whether a folder
 * was removed (false: it was already gone).
 */
export async function removeSessionWorktree(
  request: Pick<DiscardRequest, 'repoRoot' | 'commonDir' | 'worktree' | 'gitDir' | 'worktreesRoot' | 'wipRef'>,
): Promise<{ ref: string | null; removed: boolean }> {
  const { state } = await worktreeState(request.repoRoot, request.worktree);
  if (state === 'present') {
    const wt = verifyWorktreeGit(request.commonDir, request.worktree, request.gitDir);
    const wip = await snapshotWorktree(wt, `mlx-factory: uncommitted work in ${request.worktree} when it was removed`);
    // git validates the folder's .git file before removing it: put back one a check rewrote.
    checkWorktreePointer(wt);
    if (wip !== null)
      await updateRef(request.repoRoot, { ref: request.wipRef, newValue: wip, reason: 'mlx-factory: worktree removed (uncommitted work)' });
    await removeWorktree(request.repoRoot, request.worktree);
    return { ref: wip === null ? null : request.wipRef, removed: true };
  }
  if (state === 'folder-missing') {
    await pruneWorktrees(request.repoRoot);
    return { ref: null, removed: false };
  }
  // Not a worktree git knows: a leftover folder of ours (e.g. a failed creation) is deleted; anything
  // outside the app's worktrees folder is left alone.
  if (fs.existsSync(request.worktree) && isInside(request.worktreesRoot, request.worktree)) {
    fs.rmSync(request.worktree, { recursive: true, force: true });
    return { ref: null, removed: true };
  }
  return { ref: null, removed: false };
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(target));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
