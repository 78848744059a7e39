import { z } from 'zod';
import { sessionEventSchema, type SessionEvent } from './events.js';
import { historyEvalProgressSchema } from './history-eval.js';
import { modelPullPayloadSchema } from './model-pull.js';
import { runtimeInstallPayloadSchema } from './runtime-install.js';
import { repoStatusSchema, sessionInfoSchema } from './payloads.js';
import { memorySamplePayloadSchema, serverLogPayloadSchema, serverStatePayloadSchema } from './server-events.js';

/**
 * The whole event union of the typed API: every session's events plus one *global stream* for what
 * belongs to no session (the model server, memory, the session list, app requests).
 *
 * Streams: an event's `session` names its stream. A session's stream is its id and its `seq` is
 * the session log's (durable: it survives a restart of the host). The global stream is
 * `GLOBAL_STREAM` (the empty string, never a session id); its seq is kept by the host in memory and
 * starts again from 1 when the host restarts, which clients notice by a new `epoch`
 * (`events.subscribe` answers it). In every stream, seq starts at 1 and grows by 1.
 */
export const GLOBAL_STREAM = '';

const globalEnvelope = { session: z.literal(GLOBAL_STREAM), seq: z.int().positive(), time: z.string() };

/** A session was created or changed state, attempts or head (for the list; no need to follow it). */
const sessionUpdatedPayloadSchema = z.object({ type: z.literal('session.updated'), info: sessionInfoSchema });
/**
 * The base branch or the session branch of a session whose merge preview a client asked for moved
 * (a commit on main, a commit in the worktree by hand): a preview made from other heads is out of date.
 */
const sessionRefsMovedPayloadSchema = z.object({
  type: z.literal('session.refsMoved'),
  id: z.string(),
  baseBranch: z.string().nullable(),
  baseHead: z.string().nullable(),
  sessionHead: z.string().nullable(),
});
/** Something outside the renderer (a drop on the tray icon) asks for the New session dialog. */
const newSessionRequestedPayloadSchema = z.object({ type: z.literal('app.newSession'), repo: repoStatusSchema });

/** "Which model for this repo?": progress of an eval from history the app runs (models.evalHistory). */
const evalProgressPayloadSchema = z.object({ type: z.literal('eval.progress'), repo: z.string(), progress: historyEvalProgressSchema });

/**
 * Output of a session's run script (#21), live: not in the session log (a dev server prints without
 * end). `pgid` names the run; `offset` is the characters of that run's output before this chunk, so a
 * client that fetched the kept tail (`sessions.run.output`, which answers where it ends) skips what it has.
 */
const runOutputPayloadSchema = z.object({
  type: z.literal('run.output'),
  id: z.string(),
  pgid: z.int().positive(),
  stream: z.enum(['stdout', 'stderr']),
  offset: z.int().nonnegative(),
  chunk: z.string(),
});

export const globalEventSchema = z.discriminatedUnion('type', [
  runOutputPayloadSchema.extend(globalEnvelope),
  serverStatePayloadSchema.extend(globalEnvelope),
  serverLogPayloadSchema.extend(globalEnvelope),
  memorySamplePayloadSchema.extend(globalEnvelope),
  sessionUpdatedPayloadSchema.extend(globalEnvelope),
  sessionRefsMovedPayloadSchema.extend(globalEnvelope),
  newSessionRequestedPayloadSchema.extend(globalEnvelope),
  modelPullPayloadSchema.extend(globalEnvelope),
  runtimeInstallPayloadSchema.extend(globalEnvelope),
  evalProgressPayloadSchema.extend(globalEnvelope),
]);
export type GlobalEvent = z.infer<typeof globalEventSchema>;
/** A global event before the host stamps it with session, seq and time. */
export type GlobalEventPayload = GlobalEvent extends infer E
  ? E extends GlobalEvent
    ? Omit<E, 'session' | 'seq' | 'time'>
    : never
  : never;

/** Everything that arrives through `FactoryApi.onEvent`. */
export const apiEventSchema = z.union([sessionEventSchema, globalEventSchema]);
export type ApiEvent = SessionEvent | GlobalEvent;

export function isGlobalEvent(event: ApiEvent): event is GlobalEvent {
  return event.session === GLOBAL_STREAM;
}
