// A stand-in for the `electron` module (its binary cannot be downloaded here), loaded with
// `vi.mock('electron', () => import('../support/fake-electron.js'))` in place of the real one when
// a test imports the built out/main bundle. It keeps Electron's shapes and the behaviour main/
// relies on — events, load promises that reject with ERR_ABORTED when replaced, dialogs that take
// focus, notifications held only weakly (as by the OS), one before-quit round — and records what
// the app asked for, so tests can drive it like a user and check what happened.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FakeDisplay {
  id: number;
  bounds: Rect;
  workArea: Rect;
}

export interface FakeWorldOptions {
  isPackaged?: boolean;
  singleInstance?: boolean;
  displays?: FakeDisplay[];
  trayBounds?: Rect;
  notificationsSupported?: boolean;
  loginItem?: { openAtLogin: boolean; status?: string };
  /** macOS 13+: System Settings has not allowed the app to open at login (a registration waits for approval). */
  loginItemNeedsApproval?: boolean;
  darkMode?: boolean;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface OpenDialogCall {
  parent: FakeBrowserWindow | null;
  options: Record<string, unknown>;
  answer(result: { canceled: boolean; filePaths: string[] }): void;
}

type ProtocolHandler = (request: Request) => Promise<Response> | Response;
type IpcHandler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

/** Everything the app did, and the knobs of the world it runs in. Replaced by `resetFakeElectron`. */
class World {
  readonly log: string[] = [];
  ready = deferred<void>();
  isReady = false;
  isPackaged = false;
  singleInstance = true;
  displays: FakeDisplay[] = [
    { id: 1, bounds: { x: 0, y: 0, width: 1512, height: 982 }, workArea: { x: 0, y: 38, width: 1512, height: 944 } },
  ];
  trayBounds: Rect = { x: 1200, y: 0, width: 24, height: 24 };
  notificationsSupported = true;
  loginItem: { openAtLogin: boolean; status?: string } = { openAtLogin: false };
  loginItemNeedsApproval = false;
  darkMode = false;
  /** The last menu the tray popped up (its template items). */
  trayMenu: Array<Record<string, unknown>> | null = null;
  permissionCheck: ((contents: unknown, permission: string, requestingOrigin: string, details: Record<string, unknown>) => boolean) | null =
    null;
  readonly windows: FakeBrowserWindow[] = [];
  readonly trays: FakeTray[] = [];
  readonly imagePaths: string[] = [];
  readonly dialogs: OpenDialogCall[] = [];
  readonly paths = new Map<string, string>();
  readonly messageBoxes: Array<{
    parent: FakeBrowserWindow | null;
    options: Record<string, unknown>;
    answer(result: { response: number }): void;
  }> = [];
  readonly errorBoxes: Array<{ title: string; content: string }> = [];
  readonly external: string[] = [];
  /** Weak, as the OS holds a posted notification: only the app's own references keep it alive. */
  readonly notifications: Array<WeakRef<FakeNotification>> = [];
  readonly privilegedSchemes: Array<{ scheme: string; privileges: Record<string, unknown> }> = [];
  readonly protocolHandlers = new Map<string, ProtocolHandler>();
  readonly ipcHandlers = new Map<string, IpcHandler>();
  beforeRequest: ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void) | null = null;
  permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  focused: FakeBrowserWindow | null = null;
  nextContentsId = 1;
  exited: number | null = null;
  quitCompleted = false;
}

let world = new World();

export function resetFakeElectron(options: FakeWorldOptions = {}): World {
  world = new World();
  if (options.isPackaged !== undefined) world.isPackaged = options.isPackaged;
  if (options.singleInstance !== undefined) world.singleInstance = options.singleInstance;
  if (options.displays !== undefined) world.displays = options.displays;
  if (options.trayBounds !== undefined) world.trayBounds = options.trayBounds;
  if (options.notificationsSupported !== undefined) world.notificationsSupported = options.notificationsSupported;
  if (options.loginItem !== undefined) world.loginItem = options.loginItem;
  if (options.loginItemNeedsApproval !== undefined) world.loginItemNeedsApproval = options.loginItemNeedsApproval;
  if (options.darkMode !== undefined) world.darkMode = options.darkMode;
  app.removeAllListeners();
  return world;
}

export function fakeWorld(): World {
  return world;
}

/** Electron fires `ready` once its own start-up is done. */
export function emitReady(): void {
  world.isReady = true;
  app.emit('ready');
  world.ready.resolve();
}

// ---------------------------------------------------------------- app

class FakeApp extends EventEmitter {
  get isPackaged(): boolean {
    return world.isPackaged;
  }

  readonly dock = {
    hide: (): void => {
      world.log.push('dock.hide');
    },
  };

  getVersion(): string {
    return '0.1.0';
  }

  getName(): string {
    return 'MLX Factory';
  }

  /** userData is where Electron keeps the single-instance lock; it follows the app's name. */
  getPath(name: string): string {
    const set = world.paths.get(name);
    if (set !== undefined) return set;
    if (name === 'appData') return '/Users/me/Library/Application Support';
    if (name === 'userData') return '/Users/me/Library/Application Support/MLX Factory';
    throw new Error(`Failed to get '${name}' path`);
  }

  setPath(name: string, value: string): void {
    if (world.isReady && name === 'userData') world.log.push('userData set after ready (too late for the lock)');
    world.paths.set(name, value);
    world.log.push(`app.setPath ${name} ${value}`);
  }

  isReady(): boolean {
    return world.isReady;
  }

  whenReady(): Promise<void> {
    return world.ready.promise;
  }

  requestSingleInstanceLock(): boolean {
    world.log.push('app.requestSingleInstanceLock');
    return world.singleInstance;
  }

  /** Like Electron: before-quit (which may be prevented), then will-quit, then the process ends. */
  quit(): void {
    world.log.push('app.quit');
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) {
      world.log.push('before-quit prevented');
      return;
    }
    this.emit('will-quit', { preventDefault: () => undefined });
    world.quitCompleted = true;
    world.log.push('quit completed');
  }

  /** macOS: hides every window and gives the focus back to the app that had it before. */
  hide(): void {
    world.log.push('app.hide');
    for (const window of world.windows) if (!window.isDestroyed()) window.hide();
  }

  /**
   * The user clicked another menu-bar item, Control Center or another app's menu: macOS makes the
   * app inactive — and, for a non-activating popover, sends no `blur` to it (as seen on a Mac).
   */
  resignActive(): void {
    if (world.focused !== null) world.focused = null;
    this.emit('did-resign-active', {});
  }

  exit(code = 0): void {
    world.exited = code;
    world.log.push(`app.exit ${code}`);
  }

  getLoginItemSettings(): { openAtLogin: boolean; status?: string } {
    return { ...world.loginItem };
  }

  /**
   * As Electron does on macOS 13+ (SMAppService): registering while System Settings has not allowed
   * the app leaves it `requires-approval` — and Electron still reports `openAtLogin: true` then;
   * unregistering from any state leaves it `not-registered`.
   */
  setLoginItemSettings(settings: { openAtLogin: boolean }): void {
    if (!settings.openAtLogin) world.loginItem = { openAtLogin: false, status: 'not-registered' };
    else if (world.loginItemNeedsApproval) world.loginItem = { openAtLogin: true, status: 'requires-approval' };
    else world.loginItem = { openAtLogin: true, status: 'enabled' };
  }
}

export const app = new FakeApp();

// ---------------------------------------------------------------- webContents, BrowserWindow

export class FakeWebContents extends EventEmitter {
  readonly id = world.nextContentsId++;
  url = '';
  /** Every message the main process sent to this page, in order. */
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  /** Every loadURL / loadFile the app asked for. */
  readonly loads: string[] = [];
  private destroyed = false;
  private loading: { reject(error: Error): void } | null = null;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  /** The page sending IPC (a test's stand-in renderer); null once it navigated away or closed. */
  frameUrl: string | null = null;
  /** Electron's WebFrameMain of the top-level page: the same object for every message from it. */
  readonly mainFrame: FakeFrame = new FakeFrame(this, null);

  constructor() {
    super();
    app.emit('web-contents-created', {}, this);
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args: structuredClone(args) });
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  isLoading(): boolean {
    return this.loading !== null;
  }

  isDevToolsOpened(): boolean {
    return false;
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  /** A load replaces one in progress, whose promise rejects with ERR_ABORTED; a hash-only change is same-document. */
  loadURL(url: string): Promise<void> {
    this.loads.push(url);
    const sameDocument = this.loading === null && this.url !== '' && this.url.split('#')[0] === url.split('#')[0];
    if (sameDocument) {
      this.url = url;
      this.frameUrl = url;
      this.emit('did-navigate-in-page', {}, url);
      return Promise.resolve();
    }
    this.loading?.reject(Object.assign(new Error(`ERR_ABORTED (-3) loading '${url}'`), { code: 'ERR_ABORTED', errno: -3 }));
    return new Promise<void>((resolve, reject) => {
      const load = { reject: (error: Error) => (this.loading === load ? ((this.loading = null), reject(error)) : reject(error)) };
      this.loading = load;
      setTimeout(() => {
        if (this.loading !== load) return;
        this.loading = null;
        this.url = url;
        this.frameUrl = url;
        this.emit('did-finish-load');
        resolve();
      }, 5);
    });
  }

  /** A user clicking a link in the page: returns whether the navigation went ahead. */
  tryNavigate(url: string): boolean {
    let prevented = false;
    this.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
    return !prevented;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.frameUrl = null;
    this.emit('destroyed');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  readonly options: Record<string, unknown>;
  private visible = false;
  private destroyed = false;
  private position: [number, number] = [0, 0];
  /** Electron fires `ready-to-show` once, when the page has painted for the first time. */
  private painted = false;
  visibleOnAllWorkspaces: { visible: boolean; options: Record<string, unknown> } | null = null;
  backgroundColor: string | undefined;

  constructor(options: Record<string, unknown> = {}) {
    super();
    if (!world.isReady) throw new Error('Cannot create BrowserWindow before app is ready');
    this.options = options;
    this.backgroundColor = typeof options['backgroundColor'] === 'string' ? options['backgroundColor'] : undefined;
    world.windows.push(this);
    this.webContents.once('did-finish-load', () => {
      this.painted = true;
      this.emit('ready-to-show');
    });
  }

  setBackgroundColor(color: string): void {
    this.backgroundColor = color;
  }

  static getFocusedWindow(): FakeBrowserWindow | null {
    return world.focused !== null && !world.focused.isDestroyed() ? world.focused : null;
  }

  static getAllWindows(): FakeBrowserWindow[] {
    return world.windows.filter((w) => !w.isDestroyed());
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }

  loadFile(file: string, options: { hash?: string } = {}): Promise<void> {
    return this.webContents.loadURL(`file://${file}${options.hash === undefined ? '' : `#${options.hash}`}`);
  }

  /** Shown before its page painted, a window flashes its background (white without one). */
  show(): void {
    if (!this.painted && !this.visible)
      world.log.push(`white flash: ${this.webContents.loads[0] ?? 'a window'} shown before ready-to-show`);
    this.visible = true;
  }

  hide(): void {
    if (world.focused === this) world.focused = null;
    this.visible = false;
  }

  isVisible(): boolean {
    return this.visible;
  }

  focus(): void {
    const previous = world.focused;
    world.focused = this;
    if (previous !== null && previous !== this && !previous.isDestroyed()) previous.emit('blur');
    this.emit('focus');
  }

  /** The user clicked somewhere else (another app, the desktop, the menu bar). */
  loseFocus(): void {
    if (world.focused === this) world.focused = null;
    this.emit('blur');
  }

  isFocused(): boolean {
    return world.focused === this;
  }

  isMinimized(): boolean {
    return false;
  }

  restore(): void {}

  setPosition(x: number, y: number): void {
    this.position = [x, y];
  }

  getPosition(): [number, number] {
    return this.position;
  }

  setVisibleOnAllWorkspaces(visible: boolean, options: Record<string, unknown> = {}): void {
    this.visibleOnAllWorkspaces = { visible, options };
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  close(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    if (world.focused === this) world.focused = null;
    this.webContents.destroy();
    this.emit('closed');
  }
}

export const BrowserWindow = FakeBrowserWindow;

// ---------------------------------------------------------------- tray, menu, images, screen

export class FakeTray extends EventEmitter {
  destroyed = false;
  tooltip = '';

  constructor(readonly image: FakeNativeImage) {
    super();
    if (!world.isReady) throw new Error('Cannot create Tray before app is ready');
    world.trays.push(this);
  }

  setToolTip(text: string): void {
    this.tooltip = text;
  }

  /**
   * Electron has reported y = 0 here for an icon on a display above or below the primary one (and
   * on Linux an empty rectangle): only the bounds the `click` event carries are right.
   */
  getBounds(): Rect {
    return { ...world.trayBounds, y: 0 };
  }

  popUpContextMenu(menu?: { items: Array<Record<string, unknown>> }): void {
    world.trayMenu = menu?.items ?? null;
    world.log.push('tray.popUpContextMenu');
  }

  destroy(): void {
    this.destroyed = true;
    world.log.push('tray.destroy');
  }

  /**
   * A click on the icon: macOS first takes the focus from whatever window had it, then Electron
   * emits `click` with the modifier keys and the icon's true bounds. A Ctrl-click on a trackpad
   * arrives as a `click` with ctrlKey (only a real right button sends `right-click`).
   */
  click(modifiers: { ctrlKey?: boolean } = {}): void {
    world.focused?.loseFocus();
    this.emit(
      'click',
      { ctrlKey: modifiers.ctrlKey === true, metaKey: false, shiftKey: false, altKey: false },
      { ...world.trayBounds },
      { x: world.trayBounds.x + 4, y: world.trayBounds.y + 4 },
    );
  }

  dropFiles(files: string[]): void {
    this.emit('drop-files', {}, files);
  }
}

export const Tray = FakeTray;

export const Menu = {
  buildFromTemplate: (template: unknown[]): { items: unknown[] } => ({ items: template }),
};

export class FakeNativeImage {
  template = false;

  constructor(readonly path: string) {}

  /** Electron answers an empty image (no error) for a file it cannot read. */
  isEmpty(): boolean {
    return !fs.existsSync(this.path);
  }

  setTemplateImage(template: boolean): void {
    this.template = template;
  }
}

export const nativeImage = {
  createFromPath(path: string): FakeNativeImage {
    world.imagePaths.push(path);
    return new FakeNativeImage(path);
  },
};

export const screen = {
  getAllDisplays: (): FakeDisplay[] => world.displays,
  getPrimaryDisplay: (): FakeDisplay => world.displays[0] as FakeDisplay,
  getDisplayNearestPoint(point: { x: number; y: number }): FakeDisplay {
    const distance = (d: FakeDisplay): number => {
      const dx = Math.max(d.bounds.x - point.x, 0, point.x - (d.bounds.x + d.bounds.width - 1));
      const dy = Math.max(d.bounds.y - point.y, 0, point.y - (d.bounds.y + d.bounds.height - 1));
      return dx * dx + dy * dy;
    };
    return [...world.displays].sort((a, b) => distance(a) - distance(b))[0] as FakeDisplay;
  },
};

// ---------------------------------------------------------------- dialog, notifications, shell

export const dialog = {
  /** Like macOS: the dialog takes the key focus from whichever window had it until it is answered. */
  showOpenDialog(
    parentOrOptions: FakeBrowserWindow | Record<string, unknown>,
    maybeOptions?: Record<string, unknown>,
  ): Promise<{ canceled: boolean; filePaths: string[] }> {
    const parent = parentOrOptions instanceof FakeBrowserWindow ? parentOrOptions : null;
    const options = parentOrOptions instanceof FakeBrowserWindow ? (maybeOptions ?? {}) : parentOrOptions;
    const answer = deferred<{ canceled: boolean; filePaths: string[] }>();
    world.dialogs.push({ parent, options, answer: answer.resolve });
    world.focused?.loseFocus();
    return answer.promise.then((result) => {
      if (parent !== null && !parent.isDestroyed() && parent.isVisible()) parent.focus();
      return result;
    });
  },
  showErrorBox(title: string, content: string): void {
    world.errorBoxes.push({ title, content });
  },
  /** Like showOpenDialog: recorded, takes the focus, and waits for the test to answer (a button index). */
  showMessageBox(
    parentOrOptions: FakeBrowserWindow | Record<string, unknown>,
    maybeOptions?: Record<string, unknown>,
  ): Promise<{ response: number }> {
    const parent = parentOrOptions instanceof FakeBrowserWindow ? parentOrOptions : null;
    const options = parentOrOptions instanceof FakeBrowserWindow ? (maybeOptions ?? {}) : parentOrOptions;
    const answer = deferred<{ response: number }>();
    world.messageBoxes.push({ parent, options, answer: answer.resolve });
    world.focused?.loseFocus();
    return answer.promise.then((result) => {
      if (parent !== null && !parent.isDestroyed() && parent.isVisible()) parent.focus();
      return result;
    });
  },
};

export class FakeNotification extends EventEmitter {
  shown = false;

  constructor(readonly options: { title?: string; body?: string }) {
    super();
  }

  static isSupported(): boolean {
    return world.notificationsSupported;
  }

  show(): void {
    this.shown = true;
    world.notifications.push(new WeakRef(this));
    world.log.push(`notification: ${this.options.title ?? ''}`);
  }

  close(): void {
    this.emit('close', {});
  }
}

export const Notification = FakeNotification;

/** The system appearance (System Settings → Appearance), from the world's `darkMode`. */
class FakeNativeTheme extends EventEmitter {
  get shouldUseDarkColors(): boolean {
    return world.darkMode;
  }
}

export const nativeTheme = new FakeNativeTheme();

export const shell = {
  openExternal(url: string): Promise<void> {
    world.external.push(url);
    return Promise.resolve();
  },
};

// ---------------------------------------------------------------- protocol, session, ipcMain

export const protocol = {
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, unknown> }>): void {
    if (world.isReady) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    world.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    if (!world.isReady) throw new Error('protocol.handle should be called after app is ready');
    world.protocolHandlers.set(scheme, handler);
  },
  isProtocolHandled: (scheme: string): boolean => world.protocolHandlers.has(scheme),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: World['permissionRequest']): void {
      world.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler: World['permissionCheck']): void {
      world.permissionCheck = handler;
    },
    webRequest: {
      onBeforeRequest(handler: World['beforeRequest']): void {
        world.beforeRequest = handler;
      },
    },
  },
};

export const ipcMain = {
  handle(channel: string, handler: IpcHandler): void {
    if (world.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    world.ipcHandlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    world.ipcHandlers.delete(channel);
  },
  on(): void {},
};

let nextRoutingId = 1;

/**
 * Electron's WebFrameMain: the main frame of a page, or a subframe (an <iframe>) with its parent.
 * `detached` is true once the frame left the frame tree (a page being replaced, still running its
 * unload handlers). A subframe's URL is its own.
 */
export class FakeFrame {
  detached = false;
  /** Electron's ids of the frame's renderer process and of the frame in it. */
  readonly processId = 1;
  readonly routingId = nextRoutingId++;

  constructor(
    private readonly contents: FakeWebContents,
    readonly parent: FakeFrame | null,
    private readonly ownUrl: string | null = null,
  ) {}

  get url(): string {
    return this.ownUrl ?? this.contents.frameUrl ?? '';
  }

  get origin(): string {
    try {
      const origin = new URL(this.url).origin;
      // Node answers 'null' for a non-special scheme such as app:; Chromium answers scheme://host.
      return origin === 'null' ? `${new URL(this.url).protocol}//${new URL(this.url).host}` : origin;
    } catch {
      return 'null';
    }
  }

  /** An <iframe> in this frame, showing `url`. */
  subframe(url: string): FakeFrame {
    return new FakeFrame(this.contents, this, url);
  }
}

/**
 * A page of one of the app's windows invoking `ipcRenderer.invoke(channel, ...args)`: the event
 * carries the window's WebContents and the sending frame — its main frame unless `frame` says
 * otherwise — as Electron's does (null once the page navigated away or closed); arguments and
 * answer are structured-cloned.
 */
export async function invokeFrom(
  contents: FakeWebContents,
  channel: string,
  args: unknown[],
  frame: FakeFrame | null = contents.frameUrl === null ? null : contents.mainFrame,
): Promise<unknown> {
  const handler = world.ipcHandlers.get(channel);
  if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
  const event = { sender: contents, senderFrame: frame };
  return structuredClone(await handler(event, ...structuredClone(args)));
}
