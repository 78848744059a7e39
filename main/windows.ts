import { app, BrowserWindow, nativeTheme, screen, type Rectangle } from 'electron';
import { popoverPosition } from '../src/host/popover-position.js';
import type { RendererLocation } from './renderer-location.js';

/** The two windows: the tray popover and the dashboard. Same renderer, same locked-down settings. */
const POPOVER_SIZE = { width: 380, height: 520 };
/** A click on the tray icon blurs the popover first (which hides it): that click must not reopen it. */
const BLUR_GUARD_MS = 300;
/** The renderer's --bg (renderer/src/styles/theme.css), so a window never paints white before its page. */
const BACKGROUND = { light: '#ffffff', dark: '#1e1e1e' } as const;

function themeBackground(): string {
  return nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light;
}

export class AppWindows {
  private popover: BrowserWindow | null = null;
  private dashboard: BrowserWindow | null = null;
  private hiddenByBlurAt = 0;
  /** Native dialogs open now: they take focus from the popover, which must stay up behind them. */
  private dialogsOpen = 0;
  /** The popover was asked to open before its page first painted: it shows on `ready-to-show`. */
  private popoverWaiting: Rectangle | null = null;
  private popoverPainted = false;

  constructor(
    private readonly location: RendererLocation,
    private readonly preload: string,
  ) {
    // Light ↔ dark while the app runs: the next paint before the page's own must match too.
    nativeTheme.on('updated', () => {
      for (const window of [this.popover, this.dashboard])
        if (window !== null && !window.isDestroyed()) window.setBackgroundColor(themeBackground());
    });
  }

  /** Our windows' WebContents ids: IPC from anything else is refused. */
  ownsWebContents(id: number): boolean {
    return [this.popover, this.dashboard].some((window) => window !== null && !window.isDestroyed() && window.webContents.id === id);
  }

  /**
   * Tray click: show the popover under the icon, or hide it if it is showing. `trayBounds` must be
   * the bounds the `click` event carries: `tray.getBounds()` has reported y = 0 for an icon on a
   * display above or below the primary one, which puts the popover on the wrong display.
   */
  togglePopover(trayBounds: Rectangle): void {
    const window = this.popover ?? this.createPopover();
    if (window.isVisible()) {
      this.hidePopover();
      return;
    }
    if (Date.now() - this.hiddenByBlurAt < BLUR_GUARD_MS) return;
    // The first open waits for the page's first paint (no white flash), then shows where asked.
    if (!this.popoverPainted) {
      this.popoverWaiting = trayBounds;
      return;
    }
    this.showPopoverAt(window, trayBounds);
  }

  /**
   * Hides the popover. A menu-bar app has no other window to give the focus to: when no dashboard
   * is showing, hiding the app hands it back to the app the user was in (macOS; `app.hide` does not
   * exist elsewhere, where the window manager already does this).
   */
  hidePopover(): void {
    this.popoverWaiting = null;
    const window = this.popover;
    if (window === null || window.isDestroyed() || !window.isVisible()) return;
    window.hide();
    const dashboardShowing = this.dashboard !== null && !this.dashboard.isDestroyed() && this.dashboard.isVisible();
    if (!dashboardShowing && typeof app.hide === 'function') app.hide();
  }

  /**
   * The app stopped being the active one without the popover getting `blur` — a click on another
   * menu-bar item or Control Center does that on macOS: close the popover as a menu would.
   */
  appResignedActive(): void {
    if (this.dialogsOpen > 0) return;
    const window = this.popover;
    if (window === null || window.isDestroyed() || !window.isVisible()) return;
    window.hide();
    this.hiddenByBlurAt = Date.now();
  }

  private showPopoverAt(window: BrowserWindow, trayBounds: Rectangle): void {
    const display = screen.getDisplayNearestPoint({ x: trayBounds.x, y: trayBounds.y });
    const { x, y } = popoverPosition(trayBounds, POPOVER_SIZE, display.workArea);
    window.setPosition(x, y, false);
    window.show();
    window.focus();
  }

  /** Shows (creating if needed) the dashboard, optionally on one session. The page is loaded once. */
  showDashboard(session?: string): BrowserWindow {
    const view = session === undefined ? 'dashboard' : `dashboard/session/${encodeURIComponent(session)}`;
    const existing = this.dashboard;
    if (existing === null) return this.createDashboard(view); // shown on its first paint
    if (session !== undefined) this.navigate(existing, view);
    if (existing.isMinimized()) existing.restore();
    existing.show();
    existing.focus();
    return existing;
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
      backgroundColor: themeBackground(),
      webPreferences: this.webPreferences(),
    });
    window.once('ready-to-show', () => {
      this.popoverPainted = true;
      const waiting = this.popoverWaiting;
      this.popoverWaiting = null;
      if (waiting !== null && !window.isDestroyed()) this.showPopoverAt(window, waiting);
    });
    // On every Space and over full-screen apps, like a menu; without turning the app into a Dock app.
    window.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true, skipTransformProcessType: true });
    // A popover closes when you click elsewhere — not when our own dialog takes the focus.
    window.on('blur', () => {
      if (this.dialogsOpen > 0 || window.webContents.isDevToolsOpened()) return;
      this.hidePopover();
      this.hiddenByBlurAt = Date.now();
    });
    window.on('closed', () => {
      this.popover = null;
      this.popoverPainted = false;
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
      backgroundColor: themeBackground(),
      webPreferences: this.webPreferences(),
    });
    // Shown on its first paint, never before (a white flash otherwise).
    window.once('ready-to-show', () => {
      if (window.isDestroyed()) return;
      window.show();
      window.focus();
    });
    window.on('closed', () => {
      this.dashboard = null;
    });
    this.load(window, view);
    this.dashboard = window;
    return window;
  }
}
