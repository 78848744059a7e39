import type { RunOutcome } from '../api/session-status.js';
import { toFactoryError } from '../errors/factory-error.js';

/** DESIGN.md: 0 passed, 1 any other end of a run, 2 bad usage or bad input (message on stderr). */
const EXIT_PASSED = 0;
const EXIT_NOT_PASSED = 1;
export const EXIT_BAD_INPUT = 2;

export function exitCodeForOutcome(status: RunOutcome): number {
  return status === 'passed' ? EXIT_PASSED : EXIT_NOT_PASSED;
}

export function exitCodeForError(error: unknown): number {
  return toFactoryError(error).isInputError ? EXIT_BAD_INPUT : EXIT_NOT_PASSED;
}
