import type { IpcInvokeEvent, IpcMainLike } from '../src/host/register-ipc.js';

type Listener = (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>;

/**
 * The tray icon is up before the host exists (the host waits for the login shell's environment,
 * up to 10 s on a Mac): a popover opened meanwhile must not get "No handler registered". So the
 * channel is registered with Electron at once, and each request waits until the host's own
 * handler is there (registerIpcHandlers calls `handle` on this object, not on Electron's ipcMain).
 */
export class IpcWhenReady implements IpcMainLike {
  private readonly listeners = new Map<string, { promise: Promise<Listener>; resolve(listener: Listener): void }>();

  constructor(private readonly ipc: IpcMainLike) {}

  /** Registers `channel` with Electron now; requests on it wait for `handle`. */
  expect(channel: string): void {
    let resolve!: (listener: Listener) => void;
    const promise = new Promise<Listener>((r) => (resolve = r));
    this.listeners.set(channel, { promise, resolve });
    this.ipc.handle(channel, async (event, ...args) => (await promise)(event, ...args));
  }

  handle(channel: string, listener: Listener): void {
    const entry = this.listeners.get(channel);
    if (entry === undefined) this.ipc.handle(channel, listener);
    else entry.resolve(listener);
  }

  removeHandler(channel: string): void {
    this.listeners.delete(channel);
    this.ipc.removeHandler(channel);
  }
}
