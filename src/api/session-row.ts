import { z } from 'zod';
import type { SessionEvent } from './events.js';
import { cachedShare, type Session } from './session-projection.js';
import { personaSchema, runOutcomeSchema, sessionStateSchema, tokenTotalsSchema } from './session-status.js';

/**
 * A session's list row: the pick of the projection (session-projection.ts) that lists, cards, the
 * popover and `sessions list --json` show. Pure; one naming everywhere (`id`, `state`).
 */
export const sessionRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The task's first line, whole (the list shows it; `name` is the short form branches use). */
  title: z.string(),
  repo: z.string(),
  worktree: z.string(),
  branch: z.string(),
  baseCommit: z.string(),
  baseBranch: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** running, interrupted, how the latest run ended, merged (kept after cleanup) or discarded. */
  state: sessionStateSchema,
  /** How the latest run ended (null while the first run has not ended). */
  outcome: runOutcomeSchema.nullable(),
  reason: z.string(),
  /** The latest attempt series (1 = the first run; each reply starts the next). */
  series: z.int().positive(),
  /** Attempts of the latest series, and of every series. */
  attempts: z.int().nonnegative(),
  totalAttempts: z.int().nonnegative(),
  maxAttempts: z.int().positive(),
  /** Tokens of the latest series (the budget's count), and of every series. */
  tokens: tokenTotalsSchema,
  totalTokens: tokenTotalsSchema,
  tokenBudget: z.int().positive(),
  /** The share of prompt tokens the server's prefix cache served, 0–1 (null: the server never said). */
  cachedShare: z.number().min(0).max(1).nullable(),
  /** The server cut a prompt to its context length: what happened and what to change (null: never). */
  promptCut: z.string().nullable(),
  headCommit: z.string(),
  /** Steps on the branch now. */
  steps: z.int().nonnegative(),
  /** Rolled back to this step and not checked since (null: not rolled back, or checked again). */
  rolledBackTo: z.int().nonnegative().nullable(),
  /** Merged at least once; cleanedUp: its worktree (and maybe branch) was removed after that. */
  merged: z.boolean(),
  cleanedUp: z.boolean(),
  /** The session branch was deleted (discarded, or cleaned up after a merge): nothing can continue it. */
  branchRemoved: z.boolean(),
  /** The model turn in progress (null when none runs). */
  turn: z.object({ series: z.int().positive(), attempt: z.int().positive(), persona: personaSchema, startedAt: z.string() }).nullable(),
  /** Why its next turn waits, when memory holds it back ("waiting for memory: …"); null otherwise. */
  waitingFor: z.string().nullable(),
  /** The process running it (null when none is). */
  pid: z.int().nullable(),
  /** The seq of the last event in its log. */
  lastSeq: z.int().nonnegative(),
  /** The latest check's result (null: no check ran yet; absent in rows cached before it was listed). */
  lastCheck: z.object({ exitCode: z.int().nullable(), timedOut: z.boolean() }).nullable().optional(),
  /** How its checks get the dependencies (#22): the mode and the line shown (null: not logged; absent in older cached rows). */
  environment: z
    .object({ mode: z.enum(['mine', 'install', 'none']), line: z.string() })
    .nullable()
    .optional(),
  /** The check's run on the base before the first attempt (#22; null: not run; absent in older cached rows). */
  preflight: z
    .object({ outcome: z.enum(['passes', 'fails', 'environment', 'skipped']), message: z.string() })
    .nullable()
    .optional(),
  /** The run script's latest run (#21; null: never run; absent in rows cached before it was listed). */
  run: z
    .object({
      state: z.enum(['running', 'stopped']),
      command: z.string(),
      port: z.int(),
      range: z.object({ first: z.int(), last: z.int() }),
      pgid: z.int(),
      pid: z.int(),
      startedAt: z.string(),
      stoppedAt: z.string().nullable(),
      stopReason: z.enum(['stop', 'exited', 'merged', 'discarded', 'quit', 'gone']).nullable(),
      exitCode: z.int().nullable(),
      signal: z.string().nullable(),
    })
    .nullable()
    .optional(),
  /** Best of K: the group this session is a sibling in, with its temperature (absent: on its own). */
  group: z.object({ id: z.string(), index: z.int().nonnegative(), size: z.int().positive(), temperature: z.number() }).optional(),
});
export type SessionRow = z.infer<typeof sessionRowSchema>;

/** The task's first line, for the list (whole; the view cuts it to fit). */
export function taskTitle(description: string, fallback: string): string {
  const first = description.trim().split('\n')[0]?.trim() ?? '';
  return first !== '' ? first : fallback;
}

export function sessionRow(s: Session): SessionRow {
  return {
    id: s.id,
    name: s.task.name,
    title: taskTitle(s.task.description, s.task.name),
    repo: s.repo,
    worktree: s.worktree,
    branch: s.branch,
    baseCommit: s.baseCommit,
    baseBranch: s.baseBranch,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    state: s.state,
    outcome: s.outcome,
    reason: s.reason,
    series: s.series,
    attempts: s.attempts,
    totalAttempts: s.totalAttempts,
    maxAttempts: s.plan.limits.maxAttempts,
    tokens: s.tokens,
    totalTokens: s.totalTokens,
    tokenBudget: s.plan.limits.totalTokenBudget,
    cachedShare: cachedShare(s.promptCache),
    promptCut: s.promptCut?.message ?? null,
    headCommit: s.headCommit,
    steps: s.currentSteps.length,
    rolledBackTo: s.rolledBackTo,
    merged: s.mergedHead !== null,
    cleanedUp: s.cleanedUp,
    branchRemoved: s.discard !== null,
    turn: s.turn === null ? null : { series: s.turn.series, attempt: s.turn.attempt, persona: s.turn.persona, startedAt: s.turn.startedAt },
    waitingFor: s.waitingFor,
    pid: s.pid,
    lastSeq: s.lastSeq,
    lastCheck: lastCheck(s),
    environment: s.environment === null ? null : { mode: s.environment.mode, line: s.environment.line },
    preflight: s.preflight === null ? null : { outcome: s.preflight.outcome, message: s.preflight.message },
    run: s.run,
    ...(s.plan.group !== undefined ? { group: { ...s.plan.group, temperature: s.plan.limits.temperature } } : {}),
  };
}

function lastCheck(s: Session): SessionRow['lastCheck'] {
  for (let i = s.attemptLog.length - 1; i >= 0; i--) {
    const exit = s.attemptLog[i]?.exit;
    if (exit != null) return { exitCode: exit.exitCode, timedOut: exit.timedOut };
  }
  return null;
}

/**
 * The one wording of a session's state for badges and the CLI's table: a rollback to a step no check
 * passed shows "not checked" in place of how the run ended; a cleaned-up merge stays "merged".
 */
export interface StateLabel {
  readonly label: string;
  readonly tone: 'accent' | 'success' | 'danger' | 'warning' | 'neutral';
}

export function stateLabel(row: Pick<SessionRow, 'state' | 'rolledBackTo'>): StateLabel {
  if (row.rolledBackTo !== null && row.state !== 'running' && row.state !== 'discarded' && row.state !== 'merged')
    return { label: 'Not checked', tone: 'warning' };
  switch (row.state) {
    case 'running':
      return { label: 'Running', tone: 'accent' };
    case 'passed':
      return { label: 'Passed', tone: 'success' };
    case 'merged':
      return { label: 'Merged', tone: 'success' };
    case 'interrupted':
      return { label: 'Interrupted', tone: 'warning' };
    case 'cancelled':
      return { label: 'Cancelled', tone: 'warning' };
    case 'discarded':
      return { label: 'Discarded', tone: 'neutral' };
    case 'budget_exhausted':
      return { label: 'Out of budget', tone: 'danger' };
    case 'stagnated':
      return { label: 'Stagnated', tone: 'danger' };
    case 'timeout':
      return { label: 'Timed out', tone: 'danger' };
    case 'error':
      return { label: 'Error', tone: 'danger' };
    case 'failed':
      return { label: 'Failed', tone: 'danger' };
  }
}

/** "series 2 · attempt 1 · 3 attempts in all", or "attempt 2 of 5" in a first series. */
export function attemptsLabel(row: Pick<SessionRow, 'series' | 'attempts' | 'totalAttempts' | 'maxAttempts'>): string {
  if (row.series === 1) return `attempt ${row.attempts} of ${row.maxAttempts}`;
  return `series ${row.series} · attempt ${row.attempts} of ${row.maxAttempts} · ${row.totalAttempts} attempt${row.totalAttempts === 1 ? '' : 's'} in all`;
}

/** Event types after which a session's row can differ (hosts announce the row again after them). */
export const ROW_EVENTS: ReadonlySet<SessionEvent['type']> = new Set<SessionEvent['type']>([
  'session.created',
  'attempt.started',
  'turn.queued',
  'turn.admitted',
  'turn.started',
  'turn.finished',
  'commit',
  'verdict',
  'session.finished',
  'session.interrupted',
  'session.resumed',
  'series.started',
  'rollback',
  'base.updated',
  'merge',
  'discard',
  'session.relocated',
  'prompt.cut',
  'environment',
  'preflight',
  'run.started',
  'run.stopped',
]);
