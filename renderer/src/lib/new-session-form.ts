import type { RepoStatus } from '../../../src/api/payloads.js';

/**
 * The New session form's rules, checked as you type (the host checks again): a task, a usable
 * folder (or none: a fresh repository is made), sensible limits. Errors are per field, in words.
 */
export interface NewSessionFields {
  readonly folder: string;
  readonly description: string;
  readonly check: string;
  readonly maxAttempts: string;
  readonly timeoutSec: string;
  /** "Parallel attempts": best of K sibling sessions (empty = agent.best_of). */
  readonly bestOf: string;
}

export type NewSessionErrors = Partial<Record<keyof NewSessionFields, string>>;

export interface NewSessionRequest {
  readonly description: string;
  readonly repo: string | null;
  readonly check: string | null;
  readonly maxAttempts: number | undefined;
  readonly timeoutSec: number | undefined;
  /** Tests first (#16): acceptance tests that fail on the base come first. */
  readonly testsFirst: boolean;
  readonly bestOf: number | undefined;
}

function wholeNumber(text: string, min: number, max: number, what: string): { value: number | undefined; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined };
  if (!/^\d+$/.test(trimmed)) return { value: undefined, error: `${what} must be a whole number.` };
  const value = Number(trimmed);
  if (value < min || value > max) return { value: undefined, error: `${what} must be between ${min} and ${max}.` };
  return { value };
}

/** Whether the folder can hold a session, as a sentence for the field (null = fine). */
function folderProblem(folder: string, status: RepoStatus | null): string | null {
  if (folder.trim() === '') return null;
  if (status === null) return null; // still being checked
  if (status.kind === 'repo') return null;
  return status.message !== '' ? status.message : `Not a usable git repository (${status.kind}).`;
}

export function validateNewSession(
  fields: NewSessionFields,
  status: RepoStatus | null,
  testsFirst = false,
): { errors: NewSessionErrors; request: NewSessionRequest | null } {
  const errors: NewSessionErrors = {};
  const description = fields.description.trim();
  if (description === '') errors.description = 'Say what the Coder should do.';
  else if (description.length > 20_000) errors.description = 'Keep the task under 20,000 characters.';
  const folder = fields.folder.trim();
  if (folder !== '' && !folder.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(folder))
    errors.folder = 'Use the folder’s full path (starting with /).';
  else {
    const problem = folderProblem(folder, status);
    if (problem !== null) errors.folder = problem;
  }
  const check = fields.check.trim();
  if (check.length > 2000) errors.check = 'Keep the check command under 2,000 characters.';
  else if (testsFirst && check === '')
    errors.check = 'Tests first needs the command that runs the repository’s tests (e.g. python -m pytest -q).';
  const attempts = wholeNumber(fields.maxAttempts, 1, 100, 'Max attempts');
  if (attempts.error !== undefined) errors.maxAttempts = attempts.error;
  const timeout = wholeNumber(fields.timeoutSec, 1, 86_400, 'The check timeout');
  if (timeout.error !== undefined) errors.timeoutSec = timeout.error;
  const bestOf = wholeNumber(fields.bestOf, 1, 8, 'Parallel attempts');
  if (bestOf.error !== undefined) errors.bestOf = bestOf.error;
  if (Object.keys(errors).length > 0) return { errors, request: null };
  return {
    errors,
    request: {
      description,
      repo: folder === '' ? null : (status?.root ?? folder),
      check: check === '' ? null : check,
      maxAttempts: attempts.value,
      timeoutSec: timeout.value,
      testsFirst,
      bestOf: bestOf.value,
    },
  };
}
