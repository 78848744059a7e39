import { FactoryError } from '../errors/factory-error.js';
import { factoryRefs, nextRefNumber } from '../workspace/factory-refs.js';
import { cleanUntracked } from '../workspace/git/clean-untracked.js';
import { gitCommonDir } from '../workspace/git/common-dir.js';
import { readRef } from '../workspace/git/read-ref.js';
import { resetSessionWorktree } from '../workspace/git/reset-hard.js';
import { snapshotWorktree } from '../workspace/git/snapshot-worktree.js';
import { updateRef } from '../workspace/git/update-ref.js';
import { checkWorktreePointer, verifyWorktreeGit, type WorktreeGit } from '../workspace/git/worktree-git.js';
import { assertRepoAvailable } from '../workspace/repo-available.js';
import { ensureSessionWorktree } from '../workspace/restore-worktree.js';
import { assertAppStopped } from './run-guard.js';
import type { SessionRecord } from './session-store.js';

/**
 * Before a session's loop runs again (resume, reply): the repository and branch must still be there,
 * the worktree is made again if its folder is gone, git is reached only through the gitdir recorded
 * at creation (nothing a check left is trusted, starting with the .git pointer), and the worktree is
 * put back to the last step the log recorded — anything else there is kept under
 * refs/factory/<id>/interrupted/<n> first.
 */
export interface ReopenedWorktree {
  readonly git: WorktreeGit;
  /** The worktree folder was gone and was made again from the branch (include and setup run again). */
  readonly restored: boolean;
  readonly pointer: 'intact' | 'restored';
  /** Where work found beside the last step was kept (null: there was none). */
  readonly droppedRef: string | null;
}

export async function reopenSessionWorktree(record: SessionRecord, action: string): Promise<ReopenedWorktree> {
  // Resume, reply and update write the worktree (git reset, the Coder's edits): never beside its app.
  assertAppStopped(record, action);
  assertRepoAvailable(record.repo, record.id, record.worktree);
  const commonDir = await gitCommonDir(record.repo);
  if ((await readRef(commonDir, `refs/heads/${record.branch}`)) === null) {
    throw new FactoryError(
      'SESSION_DISCARDED',
      `The session branch ${record.branch} no longer exists in ${record.repo}; session ${record.id} cannot be ${action}.`,
    );
  }
  const restored = await ensureSessionWorktree(record.repo, record.worktree, record.branch);
  const git = verifyWorktreeGit(commonDir, record.worktree, record.gitDir);
  const pointer = checkWorktreePointer(git);
  const droppedRef = await backToLastStep(record, git);
  return { git, restored, pointer, droppedRef };
}

/**
 * Puts the worktree back to the last step the log recorded. Anything else there — uncommitted edits of
 * a cut-off attempt, untracked files it wrote, a commit whose event never reached the log — is kept
 * as one commit under refs/factory/<id>/interrupted/<n> first. Returns that ref, or null if the
 * worktree was already exactly at the step.
 */
async function backToLastStep(record: SessionRecord, git: WorktreeGit): Promise<string | null> {
  const head = await readRef(await gitCommonDir(record.repo), `refs/heads/${record.branch}`);
  const wip = await snapshotWorktree(git, `mlx-factory: work found beside the last logged step in session ${record.id}`);
  if (wip === null && head === record.headCommit) return null;
  const ref = factoryRefs.interrupted(record.id, await nextRefNumber(record.repo, `${factoryRefs.prefix(record.id)}interrupted/`));
  await updateRef(record.repo, {
    ref,
    newValue: wip ?? head ?? record.headCommit,
    reason: 'mlx-factory: worktree put back to the last logged step',
  });
  await resetSessionWorktree(git, record.headCommit);
  await cleanUntracked(git);
  return ref;
}
