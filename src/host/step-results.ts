import type { SessionEvent } from '../api/events.js';

/**
 * What became of each committed step: the check that ran on it (exit code, timeout) and the
 * Sheriff's verdict, read from the events already in the session's log. A step is paired with the
 * first `exec.finished` and `verdict` of its attempt that follow its `commit` event, so attempt
 * numbers that start again (a later attempt series) still pair correctly. Pure.
 */
export interface StepResult {
  readonly check: { readonly exitCode: number | null; readonly timedOut: boolean } | null;
  readonly verdict: 'PASS' | 'FAIL' | 'missing' | null;
  /** The attempt passed (check exit 0 and PASS); null while no verdict. */
  readonly passed: boolean | null;
}

type Mutable = { check: StepResult['check']; verdict: StepResult['verdict']; passed: boolean | null };

export function stepResults(events: readonly SessionEvent[]): Map<number, StepResult> {
  const results = new Map<number, Mutable>();
  /** attempt → steps committed in it that still wait for their check / verdict. */
  const waitingCheck = new Map<number, number[]>();
  const waitingVerdict = new Map<number, number[]>();
  for (const event of events) {
    if (event.type === 'commit') {
      results.set(event.step, { check: null, verdict: null, passed: null });
      waitingCheck.set(event.attempt, [...(waitingCheck.get(event.attempt) ?? []), event.step]);
      waitingVerdict.set(event.attempt, [...(waitingVerdict.get(event.attempt) ?? []), event.step]);
    } else if (event.type === 'exec.finished') {
      for (const step of waitingCheck.get(event.attempt) ?? []) {
        const result = results.get(step);
        if (result !== undefined) result.check = { exitCode: event.exitCode, timedOut: event.timedOut };
      }
      waitingCheck.delete(event.attempt);
    } else if (event.type === 'verdict') {
      for (const step of waitingVerdict.get(event.attempt) ?? []) {
        const result = results.get(step);
        if (result === undefined) continue;
        result.verdict = event.verdict;
        result.passed = event.passed;
      }
      waitingVerdict.delete(event.attempt);
      waitingCheck.delete(event.attempt);
    }
  }
  return results;
}
