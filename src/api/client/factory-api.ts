import type { ApiEvent } from '../global-events.js';
import type { ApiResponse, RequestName, RequestParams } from '../requests.js';
import type { ApiError } from '../responses.js';

/**
 * The typed client the renderer talks to, whatever carries it: the Electron preload bridge
 * (`window.factory`) or the browser's WebSocket client (`ws-client.ts`). Both implement exactly this.
 */
export interface FactoryApi {
  readonly transport: 'ipc' | 'web';

  /**
   * Never rejects: failures (validation, the handler, the transport) come back as `{ok:false}`; an
   * answer that does not match the contract is BAD_ANSWER (answer-checks.ts), never wrong-shaped data.
   */
  request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<ApiResponse<K>>;

  /**
   * Every event of every stream this client follows, in seq order per stream, each exactly once
   * (duplicates from replays are dropped), each checked against the contract (one that does not
   * match is dropped and said: event-checks.ts). Returns an unsubscribe function.
   */
  onEvent(listener: (event: ApiEvent) => void): () => void;

  /**
   * Follow a stream (a session id, or GLOBAL_STREAM). `afterSeq` defaults to the last seq this
   * client has seen on that stream, so calling it again never duplicates. The WebSocket client
   * re-subscribes every followed stream by itself after a reconnect.
   */
  subscribe(stream: string, afterSeq?: number): Promise<ApiResponse<'events.subscribe'>>;
  unsubscribe(stream: string): Promise<ApiResponse<'events.unsubscribe'>>;

  /**
   * 'open' once usable; the WebSocket client goes 'reconnecting' while its socket is down, and
   * 'closed' for good when closed by its owner, or with `error` when the host refused this
   * address's token (TOKEN_REJECTED: the host restarted) or nothing answered for a while
   * (HOST_GONE). IPC is always 'open'.
   */
  onConnectionChange(listener: (state: ConnectionState, error: ApiError | null) => void): () => void;
  readonly connectionState: ConnectionState;
  /** Why the connection ended ('closed' with a reason), else null. */
  readonly connectionError: ApiError | null;

  /**
   * The filesystem path of a dropped File (Electron: `webUtils.getPathForFile`); null where the
   * platform hides it (a browser) — then ask for the path as text.
   */
  pathForFile(file: File): string | null;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    readonly factory?: FactoryApi;
  }
}
