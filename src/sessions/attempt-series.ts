import type { Session } from '../api/session-projection.js';
import type { SessionPlan } from './session-params.js';

/**
 * Attempt series: a session's first run is series 1; each reply, "Continue from here" or "Request
 * changes" starts the next one (`series.started`), in the same worktree and branch. The loop counts
 * attempts and tokens per series; earlier series reach the Coder as a few summary lines. Pure.
 */

/** Earlier series kept in the prompt: the most recent ones, each one line. */
const MAX_SERIES_LINES = 4;
const INSTRUCTION_CHARS = 160;

/** One line per series before the latest, oldest first, the latest few only. */
export function earlierSeriesLines(session: Session): string[] {
  const lines = session.seriesList.slice(0, -1).map((r) => {
    const what = r.instruction === null ? 'the task' : `"${oneLine(r.instruction)}"`;
    const steps = session.steps.filter((x) => x.series === r.series);
    const files = [...new Set(steps.flatMap((x) => x.files))];
    const outcome = r.rolledBack ? 'rolled back' : (r.outcome ?? 'did not finish');
    const edited =
      files.length > 0 ? `; ${steps.length} step(s) editing ${files.slice(0, 6).join(', ')}${files.length > 6 ? ', …' : ''}` : '; no edits';
    return `Earlier series ${r.series} (${what}): ${r.attempts} attempt(s), ${outcome}${edited}.`;
  });
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

/** The logged plan as the latest series runs it: the same check and limits, the task with the series' instruction. */
export function planForSeries(plan: SessionPlan, session: Session): SessionPlan {
  const latest = session.seriesList.at(-1);
  if (latest === undefined || latest.instruction === null) return plan;
  return { ...plan, task: { ...plan.task, description: taskWithInstruction(plan.task.description, latest.instruction, latest.series) } };
}
