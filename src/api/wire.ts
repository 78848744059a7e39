import { z } from 'zod';
import { apiErrorSchema } from './responses.js';

/**
 * Frames on the browser host's WebSocket (JSON text, one object per message). The Electron IPC
 * front door carries the same request/response objects over its own channels (`ipc-channels.ts`)
 * and pushes events as the same `{type:'events'}` batch.
 */
export const clientFrameSchema = z.strictObject({
  type: z.literal('request'),
  /** Chosen by the client, echoed in the response. */
  id: z.int().nonnegative(),
  name: z.string().max(64),
  params: z.unknown(),
});
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/**
 * `{ok:true,data}` or `{ok:false,error}` — what a response frame (and an IPC answer) carries. The
 * clients check it, and `data` against the request's own schema, in one place for both transports
 * (src/api/client/answer-checks.ts), so a frame is read here without looking inside its answer: a
 * wrong answer must fail its request (BAD_ANSWER), not vanish with its frame and leave it waiting.
 */
export const responseEnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: apiErrorSchema }),
]);

/**
 * One ApiEvent (what older hosts sent). Events are checked one by one against apiEventSchema by the
 * client (src/api/client/event-checks.ts), not here: one wrong event must not take a batch of good
 * ones down with it unseen.
 */
export const eventFrameSchema = z.object({ type: z.literal('event'), event: z.unknown() });

/**
 * Several ApiEvents, in the order they happened (any streams mixed). The host sends events this
 * way: one frame per ~16 ms instead of one per token delta, because every message costs the
 * receiving thread a task. The IPC front door pushes the same object on IPC_EVENT.
 */
export const eventBatchFrameSchema = z.object({ type: z.literal('events'), events: z.array(z.unknown()) });
export type EventBatchFrame = z.infer<typeof eventBatchFrameSchema>;

/**
 * The only frame a socket gets when its token is not this host's — the page was opened from an
 * address an earlier `mlx-factory ui` printed (a restarted host has a new token). The host closes
 * the socket with CLOSE_TOKEN_REJECTED right after it; the client stops reconnecting and says so.
 * (A refused HTTP upgrade would look to a browser like a dropped connection: no status, no reason.)
 */
const refusedFrameSchema = z.object({ type: z.literal('refused'), error: apiErrorSchema });

export const hostFrameSchema = z.discriminatedUnion('type', [
  /** First frame after the socket opens; `token` only for a socket that came in with a one-time code. */
  z.object({ type: z.literal('hello'), epoch: z.string(), version: z.string(), token: z.string().optional() }),
  refusedFrameSchema,
  /** id null: the frame could not be read at all (malformed JSON, no id). `response`: see responseEnvelopeSchema. */
  z.object({ type: z.literal('response'), id: z.int().nonnegative().nullable(), response: z.unknown() }),
  eventFrameSchema,
  eventBatchFrameSchema,
]);
export type HostFrame = z.infer<typeof hostFrameSchema>;

/**
 * How long the host holds events for a client before sending them as one batch: one display frame.
 * A page applies events once per frame, so a second message within the same frame is work for the
 * socket, the browser's network process and the page's API worker that nobody sees sooner.
 */
export const EVENT_BATCH_MS = 16;
/** A batch is sent at once when it reaches this many events… */
export const EVENT_BATCH_MAX_EVENTS = 256;
/** …or would pass this many bytes of JSON (a single bigger event goes alone). */
export const EVENT_BATCH_MAX_BYTES = 128 * 1024;

/** Bigger frames are refused (closed with 1009) — requests are small; big data only flows host → client. */
export const MAX_CLIENT_FRAME_BYTES = 256 * 1024;
/** The close code after a `refused` frame (4000–4999 are the application's). */
export const CLOSE_TOKEN_REJECTED = 4401;

/** The WebSocket path on the host. */
export const WS_PATH = '/api';
/**
 * The access token travels in the page address's fragment (`#token=…`: never sent to a server, never
 * in a Referer), which the page removes from the address bar at once, and in the WebSocket's
 * subprotocol list (`mlx-factory-token.<token>`): never in a URL, never in a cookie (cookies ignore
 * ports, so every other local server would get it). `--open` hands the browser a one-time code
 * instead (`#code=…`, valid once, briefly), so the token never appears on a command line.
 */
export const TOKEN_PARAM = 'token';
export const CODE_PARAM = 'code';
export const WS_PROTOCOL = 'mlx-factory';
export const TOKEN_PROTOCOL_PREFIX = 'mlx-factory-token.';
export const CODE_PROTOCOL_PREFIX = 'mlx-factory-code.';
