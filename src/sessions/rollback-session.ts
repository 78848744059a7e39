import type { RollbackResult } from '../api/payloads.js';
import type { AppPaths } from '../home/app-home.js';
import { factoryRefs, nextRefNumber } from '../workspace/factory-refs.js';
import { listCommits } from '../workspace/git/log-commits.js';
import { rollbackBranch } from '../workspace/rollback-branch.js';
import { stepNotFound } from './review-session.js';
import { assertNotDiscarded, assertNotRunning, openSession } from './session-context.js';
import { appendEvent } from './session-store.js';
import { assertAppStopped } from './run-guard.js';

/**
 * Rolling a session back to a step (0 = its base commit): the branch and the worktree move there, and
 * the dropped commits stay under refs/factory/<id>/rollback/<n>. Any step the log knows can be the
 * target, including one an earlier rollback dropped — that is how a rollback is undone.
 */
export interface SessionRollbackResult extends RollbackResult {
  readonly toStep: number;
  readonly fromCommit: string;
  readonly wipRef: string | null;
  readonly worktreeMoved: boolean;
}

export async function rollbackSession(paths: AppPaths, id: string, step: number): Promise<SessionRollbackResult> {
  const context = await openSession(paths, id);
  const { record } = context;
  assertNotRunning(record, 'roll back');
  assertAppStopped(record, 'rolled back');
  const head = assertNotDiscarded(context, 'roll back');
  const toCommit = step === 0 ? record.baseCommit : record.steps.find((s) => s.step === step)?.sha;
  if (toCommit === undefined)
    throw stepNotFound(
      record.id,
      step,
      record.steps.map((s) => s.step),
    );
  if (toCommit === head)
    return { headCommit: head, keptRef: null, droppedCommits: 0, toStep: step, fromCommit: head, wipRef: null, worktreeMoved: false };
  const family = `${factoryRefs.prefix(record.id)}rollback/`;
  const n = await nextRefNumber(record.repo, family);
  const dropped = await listCommits(record.repo, toCommit, head);
  const outcome = await rollbackBranch({
    repoRoot: record.repo,
    commonDir: context.commonDir,
    worktree: record.worktree,
    gitDir: record.gitDir,
    branch: record.branch,
    toCommit,
    archiveRef: factoryRefs.rollback(record.id, n),
    wipRef: factoryRefs.rollbackWip(record.id, n),
  });
  appendEvent(paths, record.id, {
    type: 'rollback',
    toStep: step,
    toCommit,
    fromCommit: outcome.fromCommit,
    archiveRef: factoryRefs.rollback(record.id, n),
    wipRef: outcome.wipRef,
  });
  return {
    headCommit: toCommit,
    keptRef: factoryRefs.rollback(record.id, n),
    droppedCommits: dropped.length,
    toStep: step,
    fromCommit: outcome.fromCommit,
    wipRef: outcome.wipRef,
    worktreeMoved: outcome.worktreeMoved,
  };
}
