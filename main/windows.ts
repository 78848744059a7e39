import path from 'node:path';
import { BrowserWindow, screen, type Rectangle } from 'electron';
import { popoverPosition } from '../src/host/popover-position.js';
import { loadRenderer } from './renderer-location.js';

/** The two windows: the tray popover and the dashboard. Same renderer, same locked-down settings. */
const preload = path.join(import.meta.dirname, '..', 'preload', 'index.cjs');

const secureWebPreferences = {
  preload,
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;

const POPOVER_SIZE = { width: 380, height: 520 };

export class AppWindows {
  private popover: BrowserWindow | null = null;
  private dashboard: BrowserWindow | null = null;
  /** When blur last hid the popover: a click on the tray icon blurs it first, and must not reopen it. */
  private hiddenByBlurAt = 0;

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
    if (Date.now() - this.hiddenByBlurAt < 300) return;
    const display = screen.getDisplayNearestPoint({ x: trayBounds.x, y: trayBounds.y });
    const { x, y } = popoverPosition(trayBounds, POPOVER_SIZE, display.workArea);
    window.setPosition(x, y, false);
    window.show();
    window.focus();
  }

  hidePopover(): void {
    this.popover?.hide();
  }

  /** Shows (creating if needed) the dashboard, optionally on one session. */
  showDashboard(session?: string): BrowserWindow {
    const window = this.dashboard ?? this.createDashboard();
    if (session !== undefined) void loadRenderer(window, `dashboard/session/${encodeURIComponent(session)}`);
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return window;
  }

  /** The window that should react to "focus the app" (a second instance, a notification click). */
  focusSomething(): void {
    this.showDashboard();
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
      webPreferences: secureWebPreferences,
    });
    // A popover closes when you click elsewhere.
    window.on('blur', () => {
      if (window.webContents.isDevToolsOpened()) return;
      window.hide();
      this.hiddenByBlurAt = Date.now();
    });
    window.on('closed', () => {
      this.popover = null;
    });
    void loadRenderer(window, 'popover');
    this.popover = window;
    return window;
  }

  private createDashboard(): BrowserWindow {
    const window = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 900,
      minHeight: 560,
      show: false,
      title: 'MLX Factory',
      webPreferences: secureWebPreferences,
    });
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      this.dashboard = null;
    });
    void loadRenderer(window, 'dashboard');
    this.dashboard = window;
    return window;
  }
}
