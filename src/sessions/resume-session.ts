import type { SessionState } from '../api/session-status.js';
import { FactoryError } from '../errors/factory-error.js';
import { loadConfig } from '../config/load-config.js';
import type { AppPaths } from '../home/app-home.js';
import { ScheduledChatModel } from '../llm/scheduled-chat-model.js';
import { limitsFromSettings } from '../sandbox/resource-limits.js';
import { factoryRefs, nextRefNumber } from '../workspace/factory-refs.js';
import { cleanUntracked } from '../workspace/git/clean-untracked.js';
import { checkWorktreePointer, verifyWorktreeGit, type WorktreeGit } from '../workspace/git/worktree-git.js';
import { gitCommonDir } from '../workspace/git/common-dir.js';
import { readRef } from '../workspace/git/read-ref.js';
import { resetSessionWorktree } from '../workspace/git/reset-hard.js';
import { snapshotWorktree } from '../workspace/git/snapshot-worktree.js';
import { updateRef } from '../workspace/git/update-ref.js';
import { prepareSessionWorktree } from '../workspace/prepare-worktree.js';
import { assertRepoAvailable } from '../workspace/repo-available.js';
import { ensureSessionWorktree } from '../workspace/restore-worktree.js';
import { rebuildLoopState } from './loop-state.js';
import { runAttempts, type LoopResult } from './run-attempts.js';
import { SessionLog } from './session-log.js';
import { sessionFiles, writeSessionMeta } from './session-meta.js';
import type { SessionPlan } from './session-params.js';
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
    const plan: SessionPlan = {
      id,
      task: { ...record.task, check: record.task.check },
      limits: {
        maxAttempts: record.limits.maxAttempts,
        executionTimeoutMs: record.limits.executionTimeout * 1000,
        llmTimeoutMs: record.limits.llmTimeout * 1000,
        totalTokenBudget: record.limits.totalTokenBudget,
        maxPromptTokens: record.limits.maxPromptTokens,
        maxTokensPerTurn: config.agent.max_tokens_per_turn,
        temperature: config.agent.temperature,
        stagnationThreshold: config.agent.stagnation_threshold,
      },
      sandbox: config.sandbox.require ? 'required' : 'auto',
      checkLimits: limitsFromSettings(config.sandbox),
    };
    let result: LoopResult;
    const ready = restored
      ? await prepareSessionWorktree({ repoRoot: record.repo, worktree: record.worktree, baseCommit: record.baseCommit, config: config.workspace, log, signal: deps.signal })
      : ({ ok: true } as const);
    if (!ready.ok) {
      result = { status: deps.signal.aborted ? 'cancelled' : 'error', reason: ready.reason, attempts: loop.attemptsDone, tokens: loop.tokens, headCommit: record.headCommit };
    } else if (loop.passedAttempt !== null) {
      result = { status: 'passed', reason: `Attempt ${loop.passedAttempt}: the check exited 0 and the Sheriff said PASS.`, attempts: loop.passedAttempt, tokens: loop.tokens, headCommit: record.headCommit };
    } else if (loop.attemptsDone >= plan.limits.maxAttempts) {
      result = { status: 'failed', reason: `No attempt passed in ${plan.limits.maxAttempts} attempts.`, attempts: loop.attemptsDone, tokens: loop.tokens, headCommit: record.headCommit };
    } else {
      const scheduler = deps.scheduler;
      const model = scheduler
        ? new ScheduledChatModel(deps.model, scheduler, id, (position) => log.append({ type: 'turn.queued', position, ...scheduler.state }))
        : deps.model;
      result = await runAttempts(plan, { git, head: record.headCommit }, { model, runCheck: deps.runCheck, log }, deps.signal, loop);
    }
    log.append({ type: 'session.finished', status: result.status, reason: result.reason, attempts: result.attempts, tokens: result.tokens, headCommit: result.headCommit });
    const finished = loadSession(paths, id).record;
    writeSessionMeta(files.meta, {
      id,
      name: finished.task.name,
      repo: finished.repo,
      worktree: finished.worktree,
      branch: finished.branch,
      baseCommit: finished.baseCommit,
      baseBranch: finished.baseBranch,
      createdAt: finished.createdAt,
      updatedAt: new Date().toISOString(),
      state: result.status,
      reason: result.reason,
      attempts: result.attempts,
      tokens: result.tokens,
      headCommit: result.headCommit,
      pid: null,
    });
    return {
      session: id,
      status: result.status,
      reason: result.reason,
      attempts: result.attempts,
      branch: record.branch,
      baseCommit: record.baseCommit,
      headCommit: result.headCommit,
      worktree: record.worktree,
      repo: record.repo,
      tokens: result.tokens,
    };
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
