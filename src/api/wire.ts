import { z } from 'zod';
import { apiErrorSchema } from './responses.js';

/**
 * Frames on the browser host's WebSocket (JSON text, one object per message). The Electron IPC
 * front door carries the same request/response/event objects over its own channels
 * (`ipc-channels.ts`) and needs no framing.
 */
export const clientFrameSchema = z.strictObject({
  type: z.literal('request'),
  /** Chosen by the client, echoed in the response. */
  id: z.int().nonnegative(),
  name: z.string().max(64),
  params: z.unknown(),
});
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export const responseEnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: apiErrorSchema }),
]);

export const hostFrameSchema = z.discriminatedUnion('type', [
  /** First frame after the socket opens. */
  z.object({ type: z.literal('hello'), epoch: z.string(), version: z.string() }),
  /** id null: the frame could not be read at all (malformed JSON, no id). */
  z.object({ type: z.literal('response'), id: z.int().nonnegative().nullable(), response: responseEnvelopeSchema }),
  /** An ApiEvent; validated by the client against apiEventSchema only in tests (it is our own host). */
  z.object({ type: z.literal('event'), event: z.record(z.string(), z.unknown()) }),
]);
export type HostFrame = z.infer<typeof hostFrameSchema>;

/** Bigger frames are refused (closed with 1009) — requests are small; big data only flows host → client. */
export const MAX_CLIENT_FRAME_BYTES = 256 * 1024;
/** The WebSocket path on the host. */
export const WS_PATH = '/api';
/** The query parameter (page URL and WebSocket URL) that carries the access token. */
export const TOKEN_PARAM = 'token';
