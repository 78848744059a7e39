import type { FactoryApi } from './factory-api.js';
import { EventCursors } from './event-cursors.js';
import { apiEventSchema, type ApiEvent } from '../global-events.js';
import { IPC_EVENT, IPC_REQUEST } from '../ipc-channels.js';
import type { ApiResponse, RequestName, RequestParams } from '../requests.js';
import { fail } from '../responses.js';
import { eventBatchFrameSchema, eventFrameSchema } from '../wire.js';

/**
 * The Electron FactoryApi, built in the preload from `ipcRenderer` (passed in, so this file imports
 * no Electron and tests can drive it through a harness). A plain object of functions: that is what
 * contextBridge can hand to the page.
 */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createIpcClient(ipc: IpcRendererLike, pathForFile: (file: File) => string | null): FactoryApi {
  const cursors = new EventCursors();
  const listeners = new Set<(event: ApiEvent) => void>();

  const deliver = (raw: unknown): void => {
    const parsed = apiEventSchema.safeParse(raw);
    if (!parsed.success || !cursors.accept(parsed.data)) return;
    for (const listener of listeners) listener(parsed.data);
  };

  // The host sends `{type:'events', events}` batches; a bare event (an older main process) or an
  // `{type:'event', event}` frame is taken too. No event type is 'event' or 'events'.
  ipc.on(IPC_EVENT, (_event, payload) => {
    const batch = eventBatchFrameSchema.safeParse(payload);
    if (batch.success) {
      for (const raw of batch.data.events) deliver(raw);
      return;
    }
    const single = eventFrameSchema.safeParse(payload);
    deliver(single.success ? single.data.event : payload);
  });

  const request = async <K extends RequestName>(name: K, params: RequestParams<K>): Promise<ApiResponse<K>> => {
    try {
      return (await ipc.invoke(IPC_REQUEST, name, params)) as ApiResponse<K>;
    } catch (error) {
      return fail('DISCONNECTED', `The app did not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return {
    transport: 'ipc',
    connectionState: 'open',
    connectionError: null,
    request,
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    subscribe: (stream, afterSeq) => request('events.subscribe', { stream, afterSeq: afterSeq ?? cursors.lastSeq(stream) }),
    unsubscribe: (stream) => request('events.unsubscribe', { stream }),
    onConnectionChange: () => () => undefined,
    pathForFile(file) {
      try {
        return pathForFile(file) || null;
      } catch {
        return null;
      }
    },
  };
}
