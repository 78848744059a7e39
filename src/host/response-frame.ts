import type { ApiResult } from '../api/responses.js';
import type { HostFrame } from '../api/wire.js';

const TAIL = Buffer.from('}}');

/**
 * A response frame for the WebSocket: its JSON text, or — when the answer's data was serialized
 * before (the session list's whole answer, once per version) — its UTF-8 bytes built around that
 * JSON, so a request costs a copy and a socket write instead of a JSON.stringify of every row. The
 * bytes are exactly what JSON.stringify would give for the same frame (key order included): the
 * client may recognise an answer it has already validated by them (src/api/client/answer-checks.ts).
 */
export function responseFrame(id: number | null, response: ApiResult<unknown>, data: Buffer | undefined): string | Buffer {
  if (!response.ok || data === undefined) return JSON.stringify({ type: 'response', id, response } satisfies HostFrame);
  return Buffer.concat([Buffer.from(`{"type":"response","id":${JSON.stringify(id)},"response":{"ok":true,"data":`), data, TAIL]);
}
