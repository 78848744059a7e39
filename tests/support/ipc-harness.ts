import type { IpcRendererLike } from '../../src/api/client/ipc-client.js';
import type { IpcInvokeEvent, IpcMainLike, IpcSender } from '../../src/host/register-ipc.js';
import { isTrustedSender } from '../../src/host/trusted-sender.js';

/**
 * Electron's IPC without Electron (its binary cannot be downloaded here): an `ipcMain`-shaped
 * object for src/host's registerIpcHandlers, and "renderers" — a WebContents-like sender plus an
 * `ipcRenderer`-shaped object bound to it — for src/api's createIpcClient. Like Electron, every
 * argument and answer is passed through the structured-clone algorithm, handlers are per channel
 * and registering one twice throws, and main → renderer messages arrive asynchronously, in order.
 */
export const OWN_RENDERER_URL = 'file:///Applications/MLX%20Factory.app/Contents/Resources/app.asar/out/renderer/index.html#dashboard';

type Handler = (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>;

export class IpcMainHarness implements IpcMainLike {
  private readonly handlers = new Map<string, Handler>();
  private nextId = 1;
  /** The WebContents ids of "our windows" (what main/ checks with windows.ownsWebContents). */
  readonly ownWindows = new Set<number>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  get channels(): string[] {
    return [...this.handlers.keys()];
  }

  /** The same rule main/index.ts applies: the main frame of one of our windows, showing our renderer. */
  isTrustedSender = (event: IpcInvokeEvent): boolean =>
    isTrustedSender(
      event,
      (id) => this.ownWindows.has(id),
      (url) => url.startsWith(OWN_RENDERER_URL.split('#')[0] ?? ''),
    );

  /** A renderer process. `own: false` is a window that is not ours (or a page that navigated away). */
  createRenderer(options: { own?: boolean; url?: string } = {}): HarnessRenderer {
    const renderer = new HarnessRenderer(this.nextId++, options.url ?? OWN_RENDERER_URL, this);
    if (options.own ?? true) this.ownWindows.add(renderer.id);
    return renderer;
  }

  async dispatch(channel: string, event: IpcInvokeEvent, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return structuredClone(await handler(event, ...structuredClone(args)));
  }
}

export class HarnessRenderer {
  private destroyed = false;
  private readonly destroyedListeners: Array<() => void> = [];
  private readonly channelListeners = new Map<string, Array<(event: unknown, ...args: unknown[]) => void>>();
  /** Every message main sent to this renderer, in order (after cloning). */
  readonly received: Array<{ channel: string; args: unknown[] }> = [];
  private delivery: Promise<void> = Promise.resolve();

  readonly sender: IpcSender;
  readonly ipcRenderer: IpcRendererLike;

  constructor(
    readonly id: number,
    private readonly url: string,
    private readonly main: IpcMainHarness,
  ) {
    const mainFrame = { url: this.url, parent: null, detached: false, processId: id, routingId: 1 };
    this.sender = {
      id,
      mainFrame,
      send: (channel: string, ...args: unknown[]): void => {
        if (this.destroyed) throw new Error('Object has been destroyed');
        const cloned = structuredClone(args);
        this.received.push({ channel, args: cloned });
        // Asynchronous, in order — as Electron delivers them.
        this.delivery = this.delivery.then(
          () =>
            new Promise<void>((resolve) =>
              setImmediate(() => {
                if (!this.destroyed)
                  for (const listener of this.channelListeners.get(channel) ?? []) listener({ sender: 'main' }, ...cloned);
                resolve();
              }),
            ),
        );
      },
      isDestroyed: () => this.destroyed,
      once: (event: 'destroyed', listener: () => void): unknown => {
        if (event === 'destroyed') this.destroyedListeners.push(listener);
        return this.sender;
      },
    };
    this.ipcRenderer = {
      invoke: (channel: string, ...args: unknown[]) => {
        if (this.destroyed) return Promise.reject(new Error('Render frame was disposed before WebFrameMain could be accessed'));
        return this.main.dispatch(channel, { sender: this.sender, senderFrame: this.destroyed ? null : mainFrame }, args);
      },
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
        const list = this.channelListeners.get(channel) ?? [];
        list.push(listener);
        this.channelListeners.set(channel, list);
        return this.ipcRenderer;
      },
    };
  }

  /** The window closed (or the page reloaded into a new renderer). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.main.ownWindows.delete(this.id);
    for (const listener of this.destroyedListeners) listener();
  }
}
