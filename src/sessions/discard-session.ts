import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { discardWorkspace, type DiscardOutcome } from '../workspace/discard-workspace.js';
import { factoryRefs } from '../workspace/factory-refs.js';
import { assertNotRunning, openSession } from './session-context.js';
import { appendEvent } from './session-store.js';
import { assertAppStopped } from './run-guard.js';

/**
 * Discarding a session: its worktree is removed (pruned when the folder was already deleted by hand),
 * its branch deleted, and its commits — plus any uncommitted work in the worktree — kept under
 * refs/factory/<id>/archive and archive-wip. The log stays: the session is listed as discarded.
 */
export async function discardSession(paths: AppPaths, id: string): Promise<DiscardOutcome> {
  const context = await openSession(paths, id);
  const { record } = context;
  assertNotRunning(record, 'discard');
  assertAppStopped(record, 'discarded');
  if (record.discard !== null) {
    throw new FactoryError(
      'SESSION_DISCARDED',
      `Session ${record.id} was already ${record.state === 'merged' ? 'merged and cleaned up' : 'discarded'}.${record.discard?.archiveRef ? ` Its commits are kept under ${record.discard.archiveRef}.` : ''}`,
    );
  }
  const outcome = await discardWorkspace({
    repoRoot: record.repo,
    commonDir: context.commonDir,
    worktree: record.worktree,
    gitDir: record.gitDir,
    worktreesRoot: paths.worktrees,
    branch: record.branch,
    archiveRef: factoryRefs.archive(record.id),
    wipRef: factoryRefs.archiveWip(record.id),
  });
  appendEvent(paths, record.id, {
    type: 'discard',
    archiveRef: outcome.archiveRef,
    headCommit: outcome.headCommit,
    wipRef: outcome.wipRef,
    worktreeRemoved: outcome.worktreeRemoved,
    branchDeleted: outcome.branchDeleted,
  });
  return outcome;
}
