import type { FactoryApi } from './factory-api.js';
import { AnswerChecks } from './answer-checks.js';
import { EventChecks, type DiagnosticReport } from './event-checks.js';
import { EventCursors } from './event-cursors.js';
import type { ApiEvent } from '../global-events.js';
import { IPC_EVENT, IPC_REQUEST } from '../ipc-channels.js';
import type { ApiResponse, RequestName, RequestParams } from '../requests.js';
import { fail } from '../responses.js';
import { eventBatchFrameSchema, eventFrameSchema } from '../wire.js';

/**
 * The Electron FactoryApi, built in the preload from `ipcRenderer` (passed in, so this file imports
 * no Electron and tests can drive it through a harness). A plain object of functions: that is what
 * contextBridge can hand to the page. Answers and events are checked against the contract exactly
 * as the WebSocket client checks them (answer-checks.ts, event-checks.ts): the main process is
 * another process, and a renderer of another version can meet it (a window left open across an
 * update).
 */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createIpcClient(
  ipc: IpcRendererLike,
  pathForFile: (file: File) => string | null,
  /** Where an event off the contract is said (it is dropped); defaults to console.error. */
  report?: DiagnosticReport,
): FactoryApi {
  const cursors = new EventCursors();
  const answers = new AnswerChecks();
  const events = new EventChecks(report);
  const listeners = new Set<(event: ApiEvent) => void>();

  const deliver = (raw: unknown): void => {
    const event = events.read(raw);
    if (event === null || !cursors.accept(event)) return;
    for (const listener of listeners) listener(event);
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
      // No text to recognise a session list by here (IPC hands over a clone): every answer is checked.
      return answers.check(name, await ipc.invoke(IPC_REQUEST, name, params), null) as ApiResponse<K>;
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
