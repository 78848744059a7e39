import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { isProcessAlive } from '../sandbox/process-tree.js';
import { gitCommonDir } from '../workspace/git/common-dir.js';
import { readRef } from '../workspace/git/read-ref.js';
import { settleInterruptedMerge } from '../workspace/merge-branch.js';
import { assertRepoAvailable } from '../workspace/repo-available.js';
import { loadSession, type IsAlive, type SessionRecord } from './session-store.js';

/**
 * What every review-and-take operation starts with: the session rebuilt from its log, its repository
 * checked to still be there, and where its branch points now (git's answer, not the log's: the user
 * may have committed in the worktree by hand).
 */
export interface SessionContext {
  readonly paths: AppPaths;
  readonly record: SessionRecord;
  readonly commonDir: string;
  /** The session branch's commit, or null once the branch is gone (discarded). */
  readonly branchHead: string | null;
}

export async function openSession(paths: AppPaths, id: string, isAlive: IsAlive = isProcessAlive): Promise<SessionContext> {
  const record = loadSession(paths, id, isAlive);
  assertRepoAvailable(record.repo, record.id, record.worktree);
  const commonDir = await gitCommonDir(record.repo);
  // A merge into this repository that an earlier process was cut off in is settled first.
  await settleInterruptedMerge(commonDir);
  const branchHead = await readRef(commonDir, `refs/heads/${record.branch}`);
  return { paths, record, commonDir, branchHead };
}

/** Changing a session while its loop runs would pull the branch from under it. */
export function assertNotRunning(record: SessionRecord, action: string): void {
  if (record.state === 'running') {
    throw new FactoryError(
      'SESSION_RUNNING',
      `Session ${record.id} is running${record.pid !== null ? ` (pid ${record.pid})` : ''}; ${action} it when it has finished, or cancel it first.`,
    );
  }
}

export function assertNotDiscarded(context: SessionContext, action: string): string {
  if (context.record.discard !== null || context.branchHead === null) {
    const archive = context.record.discard?.archiveRef;
    throw new FactoryError(
      'SESSION_DISCARDED',
      `Session ${context.record.id} was discarded (its branch ${context.record.branch} is gone), so there is nothing to ${action}.${archive ? ` Its commits are kept under ${archive}.` : ''}`,
    );
  }
  return context.branchHead;
}
