import type { SharedPreflight } from './shared-preflight.js';
import type { SessionLog } from './session-log.js';
import type { CheckRunner } from './run-attempts.js';
import type { SessionPlan } from './session-params.js';
import { logSkippedPreflight, runPreflight } from './preflight.js';
import type { EnvironmentRunner } from './session-environment.js';

/**
 * Between the worktree's preparation (include, setup) and the first attempt (#22): the dependencies
 * for the chosen mode (the read-only view, or the install), then the preflight run of the check on
 * the base. Kept out of run-session.ts so the loop's files stay about the loop.
 */
export interface BeforeFirstAttempt {
  readonly environment: EnvironmentRunner | null;
  readonly runCheck: CheckRunner;
  readonly log: SessionLog;
  readonly signal: AbortSignal;
  /** Run the preflight (a new session without --no-preflight); false with `skipped` logs that it was skipped. */
  readonly preflight: boolean | 'skipped';
  /** The worktree is new (or was made again): an install runs; otherwise only the view is put back. */
  readonly fresh: boolean;
  /** The base commit the preflight runs on (the shared run's key). */
  readonly baseCommit?: string | undefined;
  /** A best-of-K group's one preflight run (siblings share the base commit and the check). */
  readonly shared?: SharedPreflight | undefined;
}

type Ready = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export async function beforeFirstAttempt(
  plan: SessionPlan,
  workspace: { readonly repo: string; readonly git: { readonly workTree: string } },
  step: BeforeFirstAttempt,
): Promise<Ready> {
  if (step.environment !== null) {
    const installed = await step.environment.prepare(step.fresh);
    if (!installed.ok) return step.signal.aborted ? { ok: false, reason: 'Cancelled by the user.' } : installed;
  }
  if (plan.check.kind !== 'command') return { ok: true }; // the "entry file" rule: nothing to run before the Coder writes it
  if (step.preflight === 'skipped') {
    logSkippedPreflight(plan.check.command, step.log);
    return { ok: true };
  }
  if (!step.preflight) return { ok: true };
  // Each worktree's own install may differ: then every sibling runs its own preflight.
  const runCheck =
    step.shared !== undefined && step.environment?.environment.mode !== 'install'
      ? step.shared.runner(step.runCheck, `${plan.check.command}\0${step.baseCommit ?? ''}`)
      : step.runCheck;
  const outcome = await runPreflight(
    {
      command: plan.check.command,
      worktree: workspace.git.workTree,
      repo: workspace.repo,
      timeoutMs: plan.limits.executionTimeoutMs,
      sandbox: plan.sandbox,
      taskFiles: plan.task.files,
      environment: step.environment?.environment ?? null,
      testsFirst: plan.testsFirst,
    },
    runCheck,
    step.log,
    step.signal,
  );
  if (outcome === 'cancelled') return { ok: false, reason: 'Cancelled by the user.' };
  if (outcome.outcome === 'environment') return { ok: false, reason: outcome.message };
  return { ok: true };
}
