import type { EventOf, SessionEvent } from '../api/events.js';
import type { SessionPlan } from './session-params.js';

/**
 * Attempt series: a session's first run is series 1; each reply, "Continue from here" or "Request
 * changes" starts the next one (`series.started`), in the same worktree and branch. The loop counts
 * attempts and tokens per series; earlier series reach the Coder as a few summary lines. Pure.
 */
export interface SeriesSplit {
  /** The latest series' number (1 when no `series.started` was logged). */
  readonly series: number;
  /** The `series.started` that opened the latest series (undefined for series 1). */
  readonly started: EventOf<'series.started'> | undefined;
  /** Events of the latest series, after its `series.started` (all events for series 1). */
  readonly current: readonly SessionEvent[];
  /** Events before it. */
  readonly earlier: readonly SessionEvent[];
}

export function splitSeries(events: readonly SessionEvent[]): SeriesSplit {
  const at = events.findLastIndex((e) => e.type === 'series.started');
  if (at < 0) return { series: 1, started: undefined, current: events, earlier: [] };
  const started = events[at] as EventOf<'series.started'>;
  return { series: started.series, started, current: events.slice(at + 1), earlier: events.slice(0, at) };
}

/** Earlier series kept in the prompt: the most recent ones, each one line. */
const MAX_SERIES_LINES = 4;
const INSTRUCTION_CHARS = 160;

/** One line per earlier series, oldest first, the latest few only. */
export function earlierSeriesLines(events: readonly SessionEvent[]): string[] {
  const lines: string[] = [];
  let series = 1;
  let instruction: string | null = null;
  let attempts = 0;
  let outcome = 'did not finish';
  const files = new Set<string>();
  let steps = 0;
  const flush = (): void => {
    const what = instruction === null ? 'the task' : `"${oneLine(instruction)}"`;
    const edited =
      files.size > 0 ? `; ${steps} step(s) editing ${[...files].slice(0, 6).join(', ')}${files.size > 6 ? ', …' : ''}` : '; no edits';
    lines.push(`Earlier series ${series} (${what}): ${attempts} attempt(s), ${outcome}${edited}.`);
  };
  for (const e of events) {
    if (e.type === 'series.started') {
      flush();
      series = e.series;
      instruction = e.instruction;
      attempts = 0;
      outcome = 'did not finish';
      files.clear();
      steps = 0;
    } else if (e.type === 'attempt.started') attempts = Math.max(attempts, e.attempt);
    else if (e.type === 'session.finished') outcome = e.status;
    else if (e.type === 'rollback') outcome = `rolled back to step ${e.toStep}`;
    else if (e.type === 'commit') {
      steps += 1;
      for (const f of e.files) files.add(f);
    }
  }
  if (lines.length === 0 && attempts === 0 && steps === 0) return [];
  flush();
  return lines.slice(-MAX_SERIES_LINES);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > INSTRUCTION_CHARS ? `${flat.slice(0, INSTRUCTION_CHARS - 1)}…` : flat;
}

/** The instruction as the Coder reads it: within this many characters of the task (the task is never trimmed). */
const INSTRUCTION_IN_TASK_CHARS = 12_000;

/** The Coder's (and the Sheriff's) task in a later series: the original task and the new instruction. */
function taskWithInstruction(description: string, instruction: string, series: number): string {
  const text = instruction.length > INSTRUCTION_IN_TASK_CHARS ? `${instruction.slice(0, INSTRUCTION_IN_TASK_CHARS)}\n…` : instruction;
  return `${description}\n\nFollow-up instruction from the user (round ${series}; the work so far is in the files below):\n${text}`;
}

/** The logged plan as a series runs it: the same check and limits, the task with the series' instruction. */
export function planForSeries(plan: SessionPlan, started: EventOf<'series.started'> | undefined): SessionPlan {
  if (started === undefined) return plan;
  return { ...plan, task: { ...plan.task, description: taskWithInstruction(plan.task.description, started.instruction, started.series) } };
}
