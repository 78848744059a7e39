import { IPC_EVENT, IPC_REQUEST } from '../api/ipc-channels.js';
import { fail } from '../api/responses.js';
import { ClientConnection } from './client-connection.js';
import type { FactoryHost } from './factory-host.js';
import { handleRequest, type NativeCapabilities } from './handle-request.js';

/**
 * The Electron front door, without importing Electron: main/ passes its real `ipcMain`; tests pass
 * a harness with the same shape. One ClientConnection per sending WebContents, dropped when it is
 * destroyed. Every request's sender is checked first (Electron's checklist: validate the sender of
 * all IPC messages) — anything but our own windows gets an error and nothing runs.
 */
export interface IpcSender {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcInvokeEvent {
  readonly sender: IpcSender;
  /** The frame that sent it (null once it navigated away or was destroyed). */
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcOptions {
  /** True only for our own windows showing our own renderer. */
  isTrustedSender(event: IpcInvokeEvent): boolean;
  readonly native: NativeCapabilities;
}

export function registerIpcHandlers(ipc: IpcMainLike, host: FactoryHost, options: IpcOptions): () => void {
  const connections = new Map<number, ClientConnection>();

  const connectionFor = (sender: IpcSender): ClientConnection => {
    let connection = connections.get(sender.id);
    if (connection === undefined) {
      const created = new ClientConnection(host, (event) => {
        if (!sender.isDestroyed()) sender.send(IPC_EVENT, event);
      });
      connection = created;
      connections.set(sender.id, created);
      sender.once('destroyed', () => {
        created.close();
        connections.delete(sender.id);
      });
    }
    return connection;
  };

  ipc.handle(IPC_REQUEST, async (event, name, params) => {
    if (!options.isTrustedSender(event)) return fail('BAD_REQUEST', 'Refused: this request did not come from an MLX Factory window.');
    return handleRequest({ host, connection: connectionFor(event.sender), transport: 'ipc', native: options.native }, name, params);
  });

  return () => {
    ipc.removeHandler(IPC_REQUEST);
    for (const connection of connections.values()) connection.close();
    connections.clear();
  };
}
