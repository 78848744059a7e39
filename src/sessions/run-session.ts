import type { SharedPreflight } from './shared-preflight.js';
import type { FactoryConfig, WorkspaceConfig } from '../config/config-schema.js';
import { planForSeries } from './attempt-series.js';
import { planFromLog } from './session-params.js';
import { type SessionRecord } from './session-store.js';
import { ScheduledChatModel } from '../llm/scheduled-chat-model.js';
import type { WorktreeGit } from '../workspace/git/worktree-git.js';
import { prepareSessionWorktree } from '../workspace/prepare-worktree.js';
import { loopMemory, type LoopResumeState } from './loop-state.js';
import { runAttempts, type LoopResult } from './run-attempts.js';
import type { SessionLog } from './session-log.js';
import type { SessionPlan } from './session-params.js';
import type { LaunchDeps, SessionSummary } from './session-launch.js';
import { beforeFirstAttempt } from './environment-start.js';
import { EnvironmentRunner, type SessionEnvironment } from './session-environment.js';

/**
 * The one path that runs a session's attempts, for a new session and a resumed one alike: the
 * workspace preparation when the worktree is new (include, setup), the attempt loop on the plan as
 * logged, and the `session.finished` event. Start and resume differ only in what comes before
 * (making the worktree, or putting it back to the last logged step) and in the loop's memory.
 */
export interface SessionWorkspaceRef {
  readonly repo: string;
  readonly git: WorktreeGit;
  readonly branch: string;
  readonly baseCommit: string;
  /** Where the branch is now. */
  readonly headCommit: string;
}

export interface RunSessionOptions {
  /** Set when the worktree is new (or was made again): include and setup run first. */
  readonly prepare: WorkspaceConfig | null;
  /** The loop's memory rebuilt from the log (resume). */
  readonly resume?: LoopResumeState;
  /** How checks get the project's dependencies (#22; see session-environment.ts); absent = as they are. */
  readonly environment?: SessionEnvironment | null;
  /** Run the check once on the base before the first attempt (#22; new sessions only; false: --no-preflight). */
  readonly preflight?: boolean;
  /** What servers answered to OpenAI `tools`, in the app's home (#17); absent: tools are not offered. */
  readonly toolSupportFile?: string;
  /** A best-of-K group's one preflight run (see shared-preflight.ts). */
  readonly sharedPreflight?: SharedPreflight | undefined;
}

export async function runSession(
  plan: SessionPlan,
  workspace: SessionWorkspaceRef,
  log: SessionLog,
  deps: LaunchDeps,
  options: RunSessionOptions,
): Promise<SessionSummary> {
  const resume = options.resume;
  const spent = resume?.tokens ?? { prompt: 0, completion: 0 };
  const done = resume?.attemptsDone ?? 0;
  const stop = (status: LoopResult['status'], reason: string, attempts = done): LoopResult => ({
    status,
    reason,
    attempts,
    tokens: spent,
    headCommit: workspace.headCommit,
  });
  let result: LoopResult;
  const environment =
    options.environment != null
      ? new EnvironmentRunner(
          options.environment,
          { repoRoot: workspace.repo, git: workspace.git, baseCommit: workspace.baseCommit },
          log,
          deps.signal,
        )
      : null;
  const runCheck = environment !== null ? environment.runCheck(deps.runCheck) : deps.runCheck;
  const prepared =
    options.prepare === null
      ? ({ ok: true } as const)
      : await prepareSessionWorktree({
          repoRoot: workspace.repo,
          worktree: workspace.git.workTree,
          gitDir: workspace.git.gitDir,
          baseCommit: workspace.baseCommit,
          config: options.prepare,
          log,
          signal: deps.signal,
        });
  // Dependencies, then the preflight check on the base (#22): before any attempt is spent.
  const ready = prepared.ok
    ? await beforeFirstAttempt(plan, workspace, {
        environment,
        runCheck,
        log,
        signal: deps.signal,
        preflight: resume !== undefined ? false : options.preflight === false ? 'skipped' : true,
        fresh: options.prepare !== null,
        shared: options.sharedPreflight,
        baseCommit: workspace.baseCommit,
      })
    : prepared;
  if (!ready.ok) result = stop(deps.signal.aborted ? 'cancelled' : 'error', ready.reason);
  else if (resume?.passedAttempt != null)
    result = stop('passed', `Attempt ${resume.passedAttempt}: the check exited 0 and the Sheriff said PASS.`, resume.passedAttempt);
  else if (done >= plan.limits.maxAttempts)
    result = stop('failed', `No attempt passed in ${plan.limits.maxAttempts} attempt${plan.limits.maxAttempts === 1 ? '' : 's'}.`);
  else {
    const scheduler = deps.scheduler;
    const model = scheduler
      ? new ScheduledChatModel(
          deps.model,
          scheduler,
          plan.id,
          (info) =>
            log.append(
              info.reason === 'memory'
                ? { type: 'turn.queued', position: 0, ...scheduler.state, reason: 'memory', message: info.message }
                : { type: 'turn.queued', position: info.position, ...scheduler.state, reason: 'turns' },
            ),
          (waitedMs) => log.append({ type: 'turn.admitted', waitedMs }),
        )
      : deps.model;
    result = await runAttempts(
      plan,
      { git: workspace.git, head: workspace.headCommit },
      { model, runCheck, log, toolSupportFile: options.toolSupportFile ?? null },
      deps.signal,
      resume,
    );
  }
  log.append({
    type: 'session.finished',
    status: result.status,
    reason: result.reason,
    attempts: result.attempts,
    tokens: result.tokens,
    headCommit: result.headCommit,
  });
  return {
    id: plan.id,
    state: result.status,
    reason: result.reason,
    attempts: result.attempts,
    branch: workspace.branch,
    baseCommit: workspace.baseCommit,
    headCommit: result.headCommit,
    worktree: workspace.git.workTree,
    repo: workspace.repo,
    tokens: result.tokens,
  };
}

/**
 * Resume and reply: the logged plan (check and every limit, whatever factory.yaml says now) with the
 * latest series' instruction, run on the reopened worktree.
 */
export async function continueLoggedSession(
  logged: { record: SessionRecord; config: FactoryConfig; toolSupportFile?: string },
  worktree: { git: WorktreeGit; restored: boolean },
  log: SessionLog,
  deps: LaunchDeps,
): Promise<SessionSummary> {
  const { record, config } = logged;
  const plan = planForSeries(planFromLog(record), record);
  return runSession(
    plan,
    { repo: record.repo, git: worktree.git, branch: record.branch, baseCommit: record.baseCommit, headCommit: record.headCommit },
    log,
    deps,
    // The environment as logged at the start (#22): the same view, or the same install if the worktree was made again.
    {
      prepare: worktree.restored ? config.workspace : null,
      resume: loopMemory(record),
      environment: record.environment,
      ...(logged.toolSupportFile !== undefined ? { toolSupportFile: logged.toolSupportFile } : {}),
    },
  );
}
