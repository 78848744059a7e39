import type { ConnectionState } from '../../../src/api/client/factory-api.js';
import type { ApiEvent } from '../../../src/api/global-events.js';
import type { ApiError, ApiResult } from '../../../src/api/responses.js';
import type { Credential } from '../../../src/api/client/connect.js';

/**
 * Messages between the page and the API worker (api-worker.ts), which runs the WebSocket client
 * off the main thread: thousands of events a second (token deltas of parallel sessions) are read,
 * validated and de-duplicated there and reach the page in batches.
 */
export type ToWorker =
  | { readonly kind: 'connect'; readonly url: string; readonly credential: Credential | null }
  | { readonly kind: 'request'; readonly id: number; readonly name: string; readonly params: unknown }
  | { readonly kind: 'subscribe'; readonly id: number; readonly stream: string; readonly afterSeq: number | undefined }
  | { readonly kind: 'unsubscribe'; readonly id: number; readonly stream: string };

export type FromWorker =
  | { readonly kind: 'response'; readonly id: number; readonly response: ApiResult<unknown> }
  /** Events in delivery order; always posted before a response that follows them. */
  | { readonly kind: 'events'; readonly events: readonly ApiEvent[] }
  /** error: why a 'closed' connection ended (TOKEN_REJECTED, HOST_GONE), else null. */
  | { readonly kind: 'state'; readonly state: ConnectionState; readonly error: ApiError | null }
  /** The host handed over the long-lived token (the page came with a one-time code): the page keeps it. */
  | { readonly kind: 'token'; readonly token: string };
