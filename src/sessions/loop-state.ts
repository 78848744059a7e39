import type { AttemptRecord, Session } from '../api/session-projection.js';
import type { TokenTotals } from '../api/session-status.js';
import { attemptHistoryLine, noEditHistoryLine } from './attempt-history.js';
import { earlierSeriesLines } from './attempt-series.js';
import type { KeptTests } from './kept-tests.js';

/**
 * The attempt loop's memory, read off the session's projection (src/api/session-projection.ts) so an
 * interrupted session — or a reply — continues where it stopped. An attempt counts as done when it
 * reached a verdict, or when a later attempt started (it ended with no usable edit); the attempt in
 * progress when the process died is done again from its start, on top of the steps it had committed.
 */
export interface LoopResumeState {
  /** Attempts fully done; the loop continues with attempt attemptsDone + 1. */
  readonly attemptsDone: number;
  /** The highest step (commit) number used; the next commit is stepsDone + 1. */
  readonly stepsDone: number;
  /** One line per done attempt, as the loop writes them for the Coder's prompt. */
  readonly history: readonly string[];
  /** The Sheriff's feedback and the failure's tail from the last failed attempt. */
  readonly feedback?: string;
  readonly failureTail?: string;
  /** The task's files plus every file an edit touched. */
  readonly filesInPlay: readonly string[];
  /** Every file the Coder's edits committed. */
  readonly editedFiles: readonly string[];
  /** Tokens already spent in this series (the budget keeps counting from here). */
  readonly tokens: TokenTotals;
  /** The Coder's reply in the last done attempt (the repeated-reply rule compares against it). */
  readonly lastCoderReply?: string;
  /** The last done attempt passed: nothing to continue, the session just needs its end recorded. */
  readonly passedAttempt: number | null;
  /** Tests first: the acceptance tests already kept (absent: none yet, the first attempt writes them). */
  readonly keptTests?: KeptTests;
}

export function loopMemory(session: Session): LoopResumeState {
  const current = session.attemptLog.filter((a) => a.series === session.series).sort((a, b) => a.attempt - b.attempt);
  const last = current.at(-1);
  const done = last !== undefined && last.verdict === null ? current.slice(0, -1) : current;
  const history: string[] = earlierSeriesLines(session);
  let passedAttempt: number | null = null;
  for (const a of done) {
    if (a.verdict === null) history.push(noEditHistoryLine(a.attempt));
    else if (a.passed === true) passedAttempt = a.attempt;
    else history.push(historyLine(a, session.plan.limits.executionTimeoutMs));
  }
  const editedFiles = new Set<string>();
  for (const step of session.steps) for (const f of step.files) editedFiles.add(f);
  const { feedback, failureTail, lastCoderReply } = session.memory;
  return {
    attemptsDone: done.at(-1)?.attempt ?? 0,
    stepsDone: session.steps.reduce((max, s) => Math.max(max, s.step), 0),
    history,
    ...(feedback !== null ? { feedback } : {}),
    ...(failureTail !== null ? { failureTail } : {}),
    filesInPlay: [...new Set([...session.task.files, ...editedFiles])],
    editedFiles: [...editedFiles],
    tokens: session.tokens,
    ...(lastCoderReply !== null ? { lastCoderReply } : {}),
    passedAttempt,
    ...(session.tests !== null
      ? {
          keptTests: {
            files: session.tests.files,
            exitCode: session.tests.exitCode,
            timedOut: session.tests.timedOut,
            output: session.tests.output,
          },
        }
      : {}),
  };
}

/** The loop's own wording; the log keeps the check's output as one stream, so its last line is the error's. */
function historyLine(a: AttemptRecord, executionTimeoutMs: number): string {
  return attemptHistoryLine({
    attempt: a.attempt,
    edited: a.edited,
    ran: a.exit !== null,
    exitCode: a.exit?.exitCode ?? null,
    timedOut: a.exit?.timedOut ?? false,
    executionTimeoutMs,
    errorText: a.errorLine,
    verdict: a.verdict ?? 'missing',
  });
}
