/**
 * Every failure the core reports to a user is a FactoryError with a stable code, so the CLI can pick
 * an exit code and the UI can pick a message without parsing text.
 */
export type ErrorCode =
  | 'BAD_USAGE'
  | 'REPO_NOT_FOUND'
  | 'REPO_IS_FILE'
  | 'REPO_NOT_GIT'
  | 'REPO_BARE'
  | 'REPO_NO_COMMITS'
  | 'CONFIG_INVALID'
  | 'TASK_INVALID'
  | 'SERVER_UNREACHABLE'
  | 'LLM_TIMEOUT'
  | 'LLM_BAD_RESPONSE'
  | 'LLM_CANCELLED'
  /** The server refused a request because it offered OpenAI `tools` (a 4xx): the text protocol is used instead. */
  | 'LLM_TOOLS_REJECTED'
  | 'GIT_FAILED'
  | 'PATH_OUTSIDE_WORKTREE'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_LOG_CONFLICT'
  | 'SANDBOX_UNAVAILABLE'
  | 'RUNTIME_MISSING'
  | 'RUNTIME_INSTALL_FAILED'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_TOO_LARGE'
  | 'MODEL_GATED'
  | 'MODEL_CORRUPT'
  | 'DOWNLOAD_FAILED'
  | 'PULL_CANCELLED'
  | 'SERVER_START_FAILED'
  | 'SERVER_FAILED'
  | 'PORT_IN_USE'
  | 'NOT_IMPLEMENTED'
  | 'UNSUPPORTED'
  | 'REPO_GONE'
  | 'BRANCH_NOT_FOUND'
  | 'MERGE_TARGET_REQUIRED'
  | 'MERGE_CONFLICTS'
  | 'CHECKOUT_HAS_CHANGES'
  | 'NOTHING_TO_MERGE'
  | 'TARGET_MOVED'
  | 'SESSION_RUNNING'
  | 'SESSION_NOT_RESUMABLE'
  | 'SESSION_DISCARDED'
  | 'STEP_NOT_FOUND'
  | 'DISK_FULL'
  | 'LOG_WRITE_FAILED'
  | 'WORKTREE_UNVERIFIED'
  | 'PATH_REFUSED'
  | 'REPLY_TOO_LARGE'
  | 'MERGE_INTERRUPTED'
  /** An "Open in…" program could not be started. */
  | 'OPEN_FAILED'
  /** A setting that runs a program was sent without the user's confirmation of that value. */
  | 'CONFIRMATION_REQUIRED'
  /** Push and PR (#21): no such remote; the remote branch has commits the session does not; push or gh failed. */
  | 'REMOTE_NOT_FOUND'
  | 'REMOTE_BRANCH_MOVED'
  | 'PUSH_FAILED'
  | 'PR_FAILED'
  /** Stash-and-merge (#21): the user's changes could not be put aside, or are kept under a ref until restored. */
  | 'STASH_REFUSED'
  | 'STASH_NOT_RESTORED'
  /** Per-hunk review (#21): the hunk or file to revert no longer matches the session's diff. */
  | 'HUNK_NOT_APPLICABLE'
  /** Run script (#21): no workspace.run for the session's repository; one runs already; no free port in its range; nothing to run in. */
  | 'RUN_NOT_CONFIGURED'
  | 'RUN_ALREADY_RUNNING'
  | 'RUN_NO_PORT'
  | 'RUN_UNAVAILABLE'
  /** The session's app runs in its worktree: what would touch the worktree's files waits for its Stop. */
  | 'RUN_IN_PROGRESS'
  | 'INTERNAL';

/** Codes that mean "the user gave us something we cannot use" (CLI exit code 2). */
const INPUT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BAD_USAGE',
  'REPO_NOT_FOUND',
  'REPO_IS_FILE',
  'REPO_NOT_GIT',
  'REPO_BARE',
  'REPO_NO_COMMITS',
  'CONFIG_INVALID',
  'TASK_INVALID',
  'SERVER_UNREACHABLE',
  'SESSION_NOT_FOUND',
  'SANDBOX_UNAVAILABLE',
  'REPO_GONE',
  'BRANCH_NOT_FOUND',
  'MERGE_TARGET_REQUIRED',
  'NOTHING_TO_MERGE',
  'REMOTE_NOT_FOUND',
  'SESSION_NOT_RESUMABLE',
  'SESSION_DISCARDED',
  'STEP_NOT_FOUND',
  'PORT_IN_USE',
  'RUNTIME_MISSING',
  'MODEL_NOT_FOUND',
  'MODEL_TOO_LARGE',
  'MODEL_GATED',
  'RUN_NOT_CONFIGURED',
]);

export class FactoryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'FactoryError';
  }

  get isInputError(): boolean {
    return INPUT_ERROR_CODES.has(this.code);
  }
}

export function isFactoryError(value: unknown): value is FactoryError {
  return value instanceof FactoryError;
}

/** Turns anything thrown into a FactoryError, keeping typed ones as they are. */
export function toFactoryError(value: unknown): FactoryError {
  if (value instanceof FactoryError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new FactoryError('INTERNAL', message);
}
