import type { ApiEvent } from '../api/global-events.js';
import { IPC_EVENT, IPC_REQUEST } from '../api/ipc-channels.js';
import { fail } from '../api/responses.js';
import type { EventBatchFrame } from '../api/wire.js';
import { ClientConnection } from './client-connection.js';
import { EventBatcher } from './event-batcher.js';
import type { FactoryHost } from './factory-host.js';
import { handleRequest, type NativeCapabilities } from './handle-request.js';
import type { SenderFrame } from './trusted-sender.js';

/**
 * The Electron front door, without importing Electron: main/ passes its real `ipcMain`; tests pass
 * a harness with the same shape. One ClientConnection per sending WebContents, dropped when it is
 * destroyed. Every request's sender is checked first (Electron's checklist: validate the sender of
 * all IPC messages) — anything but our own windows gets an error and nothing runs.
 */
export interface IpcSender {
  readonly id: number;
  /** The page's top-level frame (Electron's WebContents.mainFrame). */
  readonly mainFrame: SenderFrame;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcInvokeEvent {
  readonly sender: IpcSender;
  /** The frame that sent it (null once it navigated away or was destroyed). */
  readonly senderFrame: SenderFrame | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcOptions {
  /** True only for the main frame of our own windows showing our own renderer (src/host/trusted-sender.ts). */
  isTrustedSender(event: IpcInvokeEvent): boolean;
  readonly native: NativeCapabilities;
}

interface WindowClient {
  readonly connection: ClientConnection;
  /** Events leave as one `{type:'events'}` message per ~16 ms, not one IPC message each. */
  readonly events: EventBatcher<ApiEvent>;
  close(): void;
}

export function registerIpcHandlers(ipc: IpcMainLike, host: FactoryHost, options: IpcOptions): () => void {
  const clients = new Map<number, WindowClient>();

  const clientFor = (sender: IpcSender): WindowClient => {
    let client = clients.get(sender.id);
    if (client === undefined) {
      const events = new EventBatcher<ApiEvent>({
        send: (batch) => {
          if (!sender.isDestroyed()) sender.send(IPC_EVENT, { type: 'events', events: batch } satisfies EventBatchFrame);
        },
        // Structured clone, not JSON, carries it; the length is a fair estimate of its size.
        sizeOf: (event) => JSON.stringify(event).length,
      });
      const connection = new ClientConnection(host, (event) => events.push(event));
      const created: WindowClient = {
        connection,
        events,
        close: () => {
          events.close();
          connection.close();
        },
      };
      client = created;
      clients.set(sender.id, created);
      sender.once('destroyed', () => {
        created.close();
        clients.delete(sender.id);
      });
    }
    return client;
  };

  ipc.handle(IPC_REQUEST, async (event, name, params) => {
    if (!options.isTrustedSender(event)) return fail('BAD_REQUEST', 'Refused: this request did not come from an MLX Factory window.');
    const client = clientFor(event.sender);
    const response = await handleRequest({ host, connection: client.connection, transport: 'ipc', native: options.native }, name, params);
    // Events that happened before the answer (a subscription's replay, say) are sent before it.
    client.events.flush();
    return response;
  });

  return () => {
    ipc.removeHandler(IPC_REQUEST);
    for (const client of clients.values()) client.close();
    clients.clear();
  };
}
