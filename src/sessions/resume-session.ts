import type { EventOf } from '../api/events.js';
import type { SessionState } from '../api/session-status.js';
import { FactoryError } from '../errors/factory-error.js';
import { loadConfig } from '../config/load-config.js';
import type { AppPaths } from '../home/app-home.js';
import { limitsFromSettings } from '../sandbox/resource-limits.js';
import { factoryRefs, nextRefNumber } from '../workspace/factory-refs.js';
import { cleanUntracked } from '../workspace/git/clean-untracked.js';
import { checkWorktreePointer, verifyWorktreeGit, type WorktreeGit } from '../workspace/git/worktree-git.js';
import { gitCommonDir } from '../workspace/git/common-dir.js';
import { readRef } from '../workspace/git/read-ref.js';
import { resetSessionWorktree } from '../workspace/git/reset-hard.js';
import { snapshotWorktree } from '../workspace/git/snapshot-worktree.js';
import { updateRef } from '../workspace/git/update-ref.js';
import { assertRepoAvailable } from '../workspace/repo-available.js';
import { ensureSessionWorktree } from '../workspace/restore-worktree.js';
import { rebuildLoopState } from './loop-state.js';
import { SessionLog } from './session-log.js';
import { sessionFiles } from './session-meta.js';
import { runSession } from './run-session.js';
import { planFromLog } from './session-params.js';
import { loadSession, syncMeta, type SessionRecord } from './session-store.js';
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
  const { record, events } = loadSession(paths, id);
  if (record.state === 'running') throw new FactoryError('SESSION_RUNNING', `Session ${id} is still running (pid ${String(record.pid)}); it cannot be resumed twice.`);
  if (!RESUMABLE.has(record.state)) {
    throw new FactoryError('SESSION_NOT_RESUMABLE', `Session ${id} is ${record.state}; only a session that stopped before it finished (interrupted, cancelled, error, timeout) can be resumed.`);
  }
  assertRepoAvailable(record.repo, record.id, record.worktree);
  const commonDir = await gitCommonDir(record.repo);
  if ((await readRef(commonDir, `refs/heads/${record.branch}`)) === null) {
    throw new FactoryError('SESSION_DISCARDED', `The session branch ${record.branch} no longer exists in ${record.repo}; session ${id} cannot be resumed.`);
  }
  const { config } = loadConfig({ repoDir: record.repo, userConfigFile: paths.userConfig });
  const restored = await ensureSessionWorktree(record.repo, record.worktree, record.branch);
  // The run may have died mid-check: nothing the check left is trusted, starting with the .git pointer.
  const git = verifyWorktreeGit(commonDir, record.worktree, record.gitDir);
  const pointer = checkWorktreePointer(git);
  const droppedRef = await backToLastStep(record, git);
  const loop = rebuildLoopState(events);
  const files = sessionFiles(paths.sessions, id);
  const log = SessionLog.open(id, files.log);
  deps.onLog?.(log);
  try {
    if (record.state === 'interrupted' && events.findLast((e) => e.type === 'session.interrupted' || e.type === 'session.resumed')?.type !== 'session.interrupted') {
      log.append({ type: 'session.interrupted', reason: record.reason, pid: null, lastAttempt: record.attempts, lastStep: loop.stepsDone });
    }
    if (pointer === 'restored') {
      log.append({ type: 'security.event', kind: 'git-pointer-restored', message: `${record.worktree}/.git had been changed (by a check that was cut off?); it was put back before resuming.` });
    }
    log.append({ type: 'session.resumed', pid: process.pid, fromAttempt: loop.attemptsDone + 1, fromStep: loop.stepsDone, worktreeRestored: restored, droppedRef });
    syncMeta(paths, { ...loadSession(paths, id).record, state: 'running', reason: '' }, process.pid);
    // The plan as the session logged it: the same check rule and every limit, whatever factory.yaml says now.
    const created = events.find((e): e is EventOf<'session.created'> => e.type === 'session.created');
    if (created === undefined) throw new FactoryError('SESSION_NOT_RESUMABLE', `Session ${id} has no session.created event; it cannot be resumed.`);
    const plan = planFromLog(created, { agent: config.agent, sandbox: config.sandbox.require ? 'required' : 'auto', checkLimits: limitsFromSettings(config.sandbox) });
    const summary = await runSession(
      plan,
      { repo: record.repo, git, branch: record.branch, baseCommit: record.baseCommit, headCommit: record.headCommit },
      log,
      deps,
      { prepare: restored ? config.workspace : null, resume: loop },
    );
    syncMeta(paths, loadSession(paths, id).record, null);
    return summary;
  } finally {
    log.close();
  }
}

/**
 * Puts the worktree back to the last step the log recorded. Anything else there — uncommitted edits of
 * the cut-off attempt, untracked files it wrote, a commit whose event never reached the log — is kept
 * as one commit under refs/factory/<id>/interrupted/<n> first. Returns that ref, or null if the
 * worktree was already exactly at the step.
 */
async function backToLastStep(record: SessionRecord, git: WorktreeGit): Promise<string | null> {
  const head = await readRef(await gitCommonDir(record.repo), `refs/heads/${record.branch}`);
  const wip = await snapshotWorktree(git, `mlx-factory: half-done work of an interrupted attempt in session ${record.id}`);
  if (wip === null && head === record.headCommit) return null;
  const ref = factoryRefs.interrupted(record.id, await nextRefNumber(record.repo, `${factoryRefs.prefix(record.id)}interrupted/`));
  await updateRef(record.repo, { ref, newValue: wip ?? head ?? record.headCommit, reason: 'mlx-factory: resume (half-done work put aside)' });
  await resetSessionWorktree(git, record.headCommit);
  await cleanUntracked(git);
  return ref;
}
