import { APP_ORIGIN } from './app-protocol-response.js';

/**
 * Where our renderer lives: `app://renderer/` (the built files, served by main/app-protocol.ts), or
 * the electron-vite dev server — but only in an unpackaged run: a packaged app never trusts
 * ELECTRON_RENDERER_URL, which anyone starting it could set. Everything else is foreign: navigation
 * to it is blocked and IPC from it is refused.
 */
export class RendererLocation {
  readonly devServer: string | null;

  constructor(isPackaged: boolean, rendererUrl: string | undefined) {
    this.devServer = !isPackaged && rendererUrl !== undefined && rendererUrl !== '' ? new URL(rendererUrl).origin : null;
  }

  isOwnUrl(url: string): boolean {
    if (url.startsWith(`${APP_ORIGIN}/`)) return true;
    if (this.devServer === null) return false;
    // The dev server's pages, and Vite's hot-reload socket.
    return url === this.devServer || url.startsWith(`${this.devServer}/`) || url.startsWith(`${this.devServer.replace(/^http/, 'ws')}/`);
  }

  /** An origin as Chromium gives it to permission checks (`app://renderer`, no path). */
  isOwnOrigin(origin: string): boolean {
    return origin === APP_ORIGIN || (this.devServer !== null && origin === this.devServer);
  }

  /** The page for a view (a hash route: popover, dashboard, dashboard/session/ID). */
  urlFor(view: string): string {
    return `${this.devServer ?? APP_ORIGIN}/index.html#${view}`;
  }
}
