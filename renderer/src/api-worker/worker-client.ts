import type { ConnectionState, FactoryApi } from '../../../src/api/client/factory-api.js';
import type { ApiEvent } from '../../../src/api/global-events.js';
import type { ApiResponse, RequestName, RequestParams } from '../../../src/api/requests.js';
import type { ApiError, ApiResult } from '../../../src/api/responses.js';
import type { Credential } from '../../../src/api/client/connect.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/**
 * The page's FactoryApi when the WebSocket client runs in a worker (a browser on `mlx-factory ui`):
 * the same contract — requests never reject, each event once and in order — with the socket's
 * per-message work off the main thread.
 */
export function createWorkerApi(
  worker: Worker,
  webSocketUrl: string,
  credential: Credential | null,
  onToken: (token: string) => void,
): FactoryApi {
  const eventListeners = new Set<(event: ApiEvent) => void>();
  const stateListeners = new Set<(state: ConnectionState, error: ApiError | null) => void>();
  const pending = new Map<number, (result: ApiResult<unknown>) => void>();
  let state: ConnectionState = 'connecting';
  let connectionError: ApiError | null = null;
  let nextId = 1;

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    if (message.kind === 'events') {
      for (const apiEvent of message.events) for (const listener of eventListeners) listener(apiEvent);
    } else if (message.kind === 'response') {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      resolve?.(message.response);
    } else if (message.kind === 'token') {
      onToken(message.token);
    } else if (message.state !== state || message.error !== connectionError) {
      state = message.state;
      connectionError = message.error;
      for (const listener of stateListeners) listener(state, connectionError);
    }
  };
  worker.onerror = () => {
    // The worker failed (it should not): answer what waits rather than hang.
    for (const [id, resolve] of pending) {
      pending.delete(id);
      resolve({ ok: false, error: { code: 'DISCONNECTED', message: 'The connection worker stopped; reload the page.' } });
    }
  };

  const send = (message: ToWorker): void => worker.postMessage(message);
  const call = <T>(message: (id: number) => ToWorker): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (result: ApiResult<unknown>) => void);
      send(message(id));
    });

  send({ kind: 'connect', url: webSocketUrl, credential });

  return {
    transport: 'web',
    get connectionState() {
      return state;
    },
    get connectionError() {
      return connectionError;
    },
    request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<ApiResponse<K>> {
      return call((id) => ({ kind: 'request', id, name, params }));
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    subscribe(stream, afterSeq) {
      return call((id) => ({ kind: 'subscribe', id, stream, afterSeq }));
    },
    unsubscribe(stream) {
      return call((id) => ({ kind: 'unsubscribe', id, stream }));
    },
    onConnectionChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    pathForFile() {
      // Browsers do not reveal where a dropped file lives.
      return null;
    },
  };
}
