import type { EventOf, SessionEvent } from '../api/events.js';
import type { TokenTotals } from '../api/session-status.js';
import { countTokens, emptyTokenCount, tokenTotals } from '../api/token-count.js';
import { attemptHistoryLine, noEditHistoryLine } from './attempt-history.js';
import { earlierSeriesLines, splitSeries } from './attempt-series.js';

/**
 * The attempt loop's memory, rebuilt from a session's log so an interrupted session can continue where
 * it stopped. Pure: the log is the only input. An attempt counts as done when it reached a verdict, or
 * when a later attempt started (it ended with no usable edit); the attempt in progress when the
 * process died is done again from its start, on top of the steps it had already committed.
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
  /** Tokens already spent (the budget keeps counting from here). */
  readonly tokens: TokenTotals;
  /** The Coder's reply in the last done attempt (the repeated-reply rule compares against it). */
  readonly lastCoderReply?: string;
  /** The last done attempt passed: nothing to continue, the session just needs its end recorded. */
  readonly passedAttempt: number | null;
}

interface AttemptEvents {
  readonly attempt: number;
  readonly commits: EventOf<'commit'>[];
  exec?: EventOf<'exec.finished'>;
  verdict?: EventOf<'verdict'>;
  coderReplies: string[];
}

/**
 * Attempts, history, feedback and tokens are those of the latest attempt series (attempt-series.ts);
 * earlier series come first in the history as one line each. Steps and files are the session's.
 */
export function rebuildLoopState(events: readonly SessionEvent[]): LoopResumeState {
  const created = events.find((e): e is EventOf<'session.created'> => e.type === 'session.created');
  const executionTimeoutSec = created?.limits.executionTimeout ?? 60;
  const { current, earlier } = splitSeries(events);
  const attempts = groupByAttempt(current);
  const last = attempts.at(-1);
  const done = last !== undefined && last.verdict === undefined ? attempts.slice(0, -1) : attempts;
  const history: string[] = earlierSeriesLines(earlier);
  let feedback: string | undefined;
  let failureTail: string | undefined;
  let lastCoderReply: string | undefined;
  let passedAttempt: number | null = null;
  for (const a of done) {
    lastCoderReply = a.coderReplies.at(-1) ?? lastCoderReply;
    if (a.verdict === undefined) {
      history.push(noEditHistoryLine(a.attempt));
      continue;
    }
    if (a.verdict.passed) {
      passedAttempt = a.attempt;
      continue;
    }
    history.push(historyLine(a, a.verdict, executionTimeoutSec));
    feedback = a.verdict.feedback;
    // Whole; the loop caps feedback and failure tail to its own prompt limits when it restores them.
    failureTail = a.exec?.output;
  }
  const filesInPlay = new Set<string>(created?.task.files ?? []);
  const editedFiles = new Set<string>();
  let stepsDone = 0;
  for (const e of events) {
    if (e.type !== 'commit') continue;
    for (const f of e.files) {
      filesInPlay.add(f);
      editedFiles.add(f);
    }
    stepsDone = Math.max(stepsDone, e.step);
  }
  return {
    attemptsDone: done.at(-1)?.attempt ?? 0,
    stepsDone,
    history,
    ...(feedback !== undefined ? { feedback } : {}),
    ...(failureTail !== undefined ? { failureTail } : {}),
    filesInPlay: [...filesInPlay],
    editedFiles: [...editedFiles],
    tokens: tokensSpent(current),
    ...(lastCoderReply !== undefined ? { lastCoderReply } : {}),
    passedAttempt,
  };
}

/** The loop's own wording; the log keeps the check's output as one stream, so its last line is the error's. */
function historyLine(a: AttemptEvents, verdict: EventOf<'verdict'>, executionTimeoutSec: number): string {
  const exec = a.exec;
  return attemptHistoryLine({
    attempt: a.attempt,
    edited: [...new Set(a.commits.flatMap((c) => c.files))],
    ran: exec !== undefined,
    exitCode: exec?.exitCode ?? null,
    timedOut: exec?.timedOut ?? false,
    executionTimeoutSec,
    errorText: exec?.output ?? '',
    verdict: verdict.verdict,
  });
}

function groupByAttempt(events: readonly SessionEvent[]): AttemptEvents[] {
  const byNumber = new Map<number, AttemptEvents>();
  const order: AttemptEvents[] = [];
  const get = (attempt: number): AttemptEvents => {
    let entry = byNumber.get(attempt);
    if (entry === undefined) {
      entry = { attempt, commits: [], coderReplies: [] };
      byNumber.set(attempt, entry);
      order.push(entry);
    }
    return entry;
  };
  for (const e of events) {
    if (e.type === 'attempt.started') {
      // A resumed session starts the interrupted attempt again: forget what its first try left.
      const fresh: AttemptEvents = { attempt: e.attempt, commits: [], coderReplies: [] };
      const existing = byNumber.get(e.attempt);
      if (existing !== undefined) {
        fresh.commits.push(...existing.commits);
        order.splice(order.indexOf(existing), 1);
      }
      byNumber.set(e.attempt, fresh);
      order.push(fresh);
    } else if (e.type === 'commit') get(e.attempt).commits.push(e);
    else if (e.type === 'exec.finished') get(e.attempt).exec = e;
    else if (e.type === 'verdict') get(e.attempt).verdict = e;
    else if (e.type === 'turn.finished' && e.persona === 'coder') get(e.attempt).coderReplies.push(e.content);
  }
  return order.sort((a, b) => a.attempt - b.attempt);
}

/**
 * Tokens spent so far, counted as the loop's budget counts them: the server's usage, else the
 * estimate. A turn cut off by the crash was sent, so its estimated prompt is counted too.
 */
export function tokensSpent(events: readonly SessionEvent[]): TokenTotals {
  const count = emptyTokenCount();
  for (const e of events) countTokens(count, e);
  return tokenTotals(count);
}
