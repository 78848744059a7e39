import type { Session } from '../api/session-projection.js';
import type { RunOutcome } from '../api/session-status.js';
import type { LlmScheduler } from '../llm/llm-scheduler.js';
import type { ChatModel } from '../llm/llm-types.js';
import type { CheckRunner } from './run-attempts.js';
import type { SessionLog } from './session-log.js';

/**
 * What running a session's attempts takes (LaunchDeps) and gives back (SessionSummary), for a new
 * session (start-session), a resumed or replied one and the attempt runner (run-session) alike.
 * Kept apart so that those modules need not import each other.
 *
 * SessionSummary is a pick of the one `Session` (the projection), named as it is: `state` is how this run ended, which is
 * the session's state the moment its `session.finished` is logged (hence narrowed to a run's outcome);
 * `tokens` and `attempts` are the latest series', as the projection counts them.
 */
export type SessionSummary = Pick<
  Session,
  'id' | 'reason' | 'attempts' | 'branch' | 'baseCommit' | 'headCommit' | 'worktree' | 'repo' | 'tokens'
> & { readonly state: RunOutcome };

export interface LaunchDeps {
  readonly model: ChatModel;
  readonly runCheck: CheckRunner;
  readonly signal: AbortSignal;
  /** Shared by all sessions on one server: their turns are queued fairly (see LlmScheduler). */
  readonly scheduler?: LlmScheduler | undefined;
  /** Called with the log once it exists, before anything is written, to follow events live. */
  readonly onLog?: (log: SessionLog) => void;
  /** The model server this run talks to: resume and reply log it as `plan.server` (the plan fixes the rest). */
  readonly server?: { readonly url: string | null; readonly model: string | null } | undefined;
}
