import { BrowserWindow, screen, type Rectangle } from 'electron';
import { popoverPosition } from '../src/host/popover-position.js';
import type { RendererLocation } from './renderer-location.js';

/** The two windows: the tray popover and the dashboard. Same renderer, same locked-down settings. */
const POPOVER_SIZE = { width: 380, height: 520 };
/** A click on the tray icon blurs the popover first (which hides it): that click must not reopen it. */
const BLUR_GUARD_MS = 300;

export class AppWindows {
  private popover: BrowserWindow | null = null;
  private dashboard: BrowserWindow | null = null;
  private hiddenByBlurAt = 0;
  /** Native dialogs open now: they take focus from the popover, which must stay up behind them. */
  private dialogsOpen = 0;

  constructor(
    private readonly location: RendererLocation,
    private readonly preload: string,
  ) {}

  /** Our windows' WebContents ids: IPC from anything else is refused. */
  ownsWebContents(id: number): boolean {
    return [this.popover, this.dashboard].some((window) => window !== null && !window.isDestroyed() && window.webContents.id === id);
  }

  /** Tray click: show the popover under the icon, or hide it if it is showing. */
  togglePopover(trayBounds: Rectangle): void {
    const window = this.popover ?? this.createPopover();
    if (window.isVisible()) {
      window.hide();
      return;
    }
    if (Date.now() - this.hiddenByBlurAt < BLUR_GUARD_MS) return;
    const display = screen.getDisplayNearestPoint({ x: trayBounds.x, y: trayBounds.y });
    const { x, y } = popoverPosition(trayBounds, POPOVER_SIZE, display.workArea);
    window.setPosition(x, y, false);
    window.show();
    window.focus();
  }

  hidePopover(): void {
    this.popover?.hide();
  }

  /** Shows (creating if needed) the dashboard, optionally on one session. The page is loaded once. */
  showDashboard(session?: string): BrowserWindow {
    const view = session === undefined ? 'dashboard' : `dashboard/session/${encodeURIComponent(session)}`;
    const existing = this.dashboard;
    const window = existing ?? this.createDashboard(view);
    if (existing !== null && session !== undefined) this.navigate(existing, view);
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return window;
  }

  /** The window that should react to "focus the app" (a second instance, a reopen from Finder). */
  focusSomething(): void {
    this.showDashboard();
  }

  /** The window a dialog belongs to: the focused one of ours, else the showing popover, else the dashboard. */
  dialogParent(): BrowserWindow {
    const focused = BrowserWindow.getFocusedWindow();
    if (focused !== null && this.ownsWebContents(focused.webContents.id)) return focused;
    if (this.popover !== null && !this.popover.isDestroyed() && this.popover.isVisible()) return this.popover;
    return this.showDashboard();
  }

  /** Runs a native dialog with blur-hide paused, so the popover is still there when it closes. */
  async withDialog<T>(run: (parent: BrowserWindow) => Promise<T>): Promise<T> {
    const parent = this.dialogParent();
    this.dialogsOpen += 1;
    try {
      return await run(parent);
    } finally {
      this.dialogsOpen -= 1;
    }
  }

  /** A hash change on a loaded page (same document, no reload); a page still loading gets it once loaded. */
  private navigate(window: BrowserWindow, view: string): void {
    const go = (): void => this.load(window, view);
    if (window.webContents.isLoading()) window.webContents.once('did-finish-load', go);
    else go();
  }

  private load(window: BrowserWindow, view: string): void {
    // A load that another navigation replaces rejects (ERR_ABORTED): never an unhandled rejection.
    window.loadURL(this.location.urlFor(view)).catch((error: unknown) => {
      if (!window.isDestroyed()) console.error(`Loading ${view}:`, error);
    });
  }

  private webPreferences() {
    return {
      preload: this.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    } as const;
  }

  private createPopover(): BrowserWindow {
    const window = new BrowserWindow({
      ...POPOVER_SIZE,
      show: false,
      frame: false,
      resizable: false,
      movable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      skipTaskbar: true,
      alwaysOnTop: true,
      transparent: false,
      webPreferences: this.webPreferences(),
    });
    // On every Space and over full-screen apps, like a menu; without turning the app into a Dock app.
    window.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true, skipTransformProcessType: true });
    // A popover closes when you click elsewhere — not when our own dialog takes the focus.
    window.on('blur', () => {
      if (this.dialogsOpen > 0 || window.webContents.isDevToolsOpened()) return;
      window.hide();
      this.hiddenByBlurAt = Date.now();
    });
    window.on('closed', () => {
      this.popover = null;
    });
    this.load(window, 'popover');
    this.popover = window;
    return window;
  }

  private createDashboard(view: string): BrowserWindow {
    const window = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 900,
      minHeight: 560,
      show: false,
      title: 'MLX Factory',
      webPreferences: this.webPreferences(),
    });
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      this.dashboard = null;
    });
    this.load(window, view);
    this.dashboard = window;
    return window;
  }
}
