import crypto from 'node:crypto';

/**
 * The seed's stagnation rule, made robust: the same failure N times in a row stops the session. A
 * failure is fingerprinted from its last error lines with paths, line numbers, addresses and timings
 * removed (they differ between runs of the same bug); wrong-output failures with no stderr are
 * fingerprinted from their output plus the code that produced it.
 */
const ERROR_LINES = 5;

export function normaliseErrorLine(line: string): string {
  return line
    .replace(/File "[^"]*"/g, 'File "…"')
    .replace(/(?:[A-Za-z]:)?(?:[\w.~-]*\/)+[\w.-]+/g, '…') // paths
    .replace(/0x[0-9a-fA-F]+/g, '0x…')
    .replace(/\bline \d+/g, 'line …')
    .replace(/:\d+(?::\d+)?\b/g, ':…')
    .replace(/\d+(?:\.\d+)?\s*(?:ms|s|seconds)\b/g, '…s')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface FailureEvidence {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly stderrTail: string;
  readonly stdoutTail: string;
  /** A hash of the files the attempt produced, for failures that print nothing to stderr. */
  readonly codeHash: string;
}

export function failureFingerprint(evidence: FailureEvidence): string {
  const errorLines = lastLines(evidence.stderrTail, ERROR_LINES);
  const basis =
    errorLines.length > 0
      ? errorLines.map(normaliseErrorLine).join('\n')
      : `${lastLines(evidence.stdoutTail, ERROR_LINES).map(normaliseErrorLine).join('\n')}\n${evidence.codeHash}`;
  return crypto
    .createHash('sha256')
    .update(`${String(evidence.exitCode)}|${String(evidence.timedOut)}|${basis}`)
    .digest('hex')
    .slice(0, 16);
}

function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-count);
}

/**
 * The seed's rule: the same failure `stagnation_threshold` times in a row stops the session;
 * `record` says when the threshold is reached. An attempt whose Coder reply repeated the previous
 * one word for word (`repeatedReply`) is counted as the same failure again even when its output
 * differs (a flaky check): it adds to the same streak, and never stops a session on its own.
 */
export class StagnationDetector {
  private last: string | undefined;
  private streak = 0;

  constructor(private readonly threshold: number) {}

  record(fingerprint: string, repeatedReply = false): boolean {
    const same = fingerprint === this.last || (repeatedReply && this.last !== undefined);
    this.streak = same ? this.streak + 1 : 1;
    if (!same || this.last === undefined) this.last = fingerprint;
    return this.streak >= this.threshold;
  }
}
