import { lastNonEmptyLine } from '../api/last-line.js';

/**
 * The one-line summary of an earlier attempt that Coder prompts carry instead of the raw history.
 * One wording for the live loop and for a loop rebuilt from the log on resume. Pure.
 */
export interface AttemptSummary {
  readonly attempt: number;
  readonly edited: readonly string[];
  /** null: the check did not run. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly executionTimeoutMs: number;
  /** The check's output to take the error's last line from (stderr when there is some). */
  readonly errorText: string;
  readonly verdict: string;
  readonly ran: boolean;
}

const ERROR_LINE_CHARS = 100;

export function attemptHistoryLine(a: AttemptSummary): string {
  const exit = !a.ran
    ? 'did not run'
    : a.timedOut
      ? `timed out after ${Math.round(a.executionTimeoutMs / 1000)} s`
      : `exited ${String(a.exitCode)}`;
  // The error's last line says more per token than the Sheriff's prose (which the next prompt has in full).
  const lastError = lastNonEmptyLine(a.errorText).slice(0, ERROR_LINE_CHARS);
  return `Attempt ${a.attempt}: edited ${a.edited.join(', ') || '(no change)'}; check ${exit}${lastError ? ` (${lastError})` : ''}; Sheriff ${a.verdict}`;
}

export function noEditHistoryLine(attempt: number): string {
  return `Attempt ${attempt}: no usable edit.`;
}
