import type { SessionState } from '../api/session-status.js';
import { FactoryError } from '../errors/factory-error.js';
import { loadConfig } from '../config/load-config.js';
import type { AppPaths } from '../home/app-home.js';
import { loopMemory } from './loop-state.js';
import { reopenSessionWorktree } from './reopen-worktree.js';
import { SessionLog } from './session-log.js';
import { sessionFiles } from './session-meta.js';
import { continueLoggedSession } from './run-session.js';
import { checkpointSession, loadSession } from './session-store.js';
import type { LaunchDeps, SessionSummary } from './start-session.js';

/**
 * Continuing a session whose run stopped before it finished (the process died, the app quit, the user
 * cancelled, a model call timed out): the worktree is made again if its folder is gone, put back to
 * the last step the log recorded (half-done work of the cut-off attempt is kept under
 * refs/factory/<id>/interrupted/<n>), and the attempt loop continues with the memory rebuilt from the
 * log — attempts and steps done, history, last feedback, files in play, tokens spent.
 */
const RESUMABLE: ReadonlySet<SessionState> = new Set<SessionState>(['interrupted', 'cancelled', 'error', 'timeout']);

export async function resumeSession(paths: AppPaths, id: string, deps: LaunchDeps): Promise<SessionSummary> {
  const record = loadSession(paths, id);
  if (record.state === 'running')
    throw new FactoryError('SESSION_RUNNING', `Session ${id} is still running (pid ${String(record.pid)}); it cannot be resumed twice.`);
  if (!RESUMABLE.has(record.state)) {
    throw new FactoryError(
      'SESSION_NOT_RESUMABLE',
      `Session ${id} is ${record.state}; only a session that stopped before it finished (interrupted, cancelled, error, timeout) can be resumed.`,
    );
  }
  const { git, restored, pointer, droppedRef } = await reopenSessionWorktree(record, 'resumed');
  const { config } = loadConfig({ repoDir: record.repo, userConfigFile: paths.userConfig });
  const stepsDone = record.steps.reduce((max, s) => Math.max(max, s.step), 0);
  const files = sessionFiles(paths.sessions, id);
  const log = SessionLog.open(id, files.log);
  deps.onLog?.(log);
  try {
    // The log still says "running" (its process is gone): record the interruption before the resume.
    if (loadSession(paths, id, () => true).state === 'running') {
      log.append({ type: 'session.interrupted', reason: record.reason, pid: null, lastAttempt: record.attempts, lastStep: stepsDone });
    }
    if (pointer === 'restored') {
      log.append({
        type: 'security.event',
        kind: 'git-pointer-restored',
        message: `${record.worktree}/.git had been changed (by a check that was cut off?); it was put back before resuming.`,
      });
    }
    log.append({
      type: 'session.resumed',
      pid: process.pid,
      fromAttempt: loopMemory(record).attemptsDone + 1,
      fromStep: stepsDone,
      worktreeRestored: restored,
      droppedRef,
    });
    if (deps.server !== undefined) log.append({ type: 'plan.server', url: deps.server.url, model: deps.server.model });
    // The logged plan; in a later attempt series the task carries that series' instruction.
    const summary = await continueLoggedSession(
      { record: loadSession(paths, id), config, toolSupportFile: paths.toolSupport },
      { git, restored },
      log,
      deps,
    );
    checkpointSession(paths, id);
    return summary;
  } finally {
    log.close();
  }
}
