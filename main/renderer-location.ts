import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserWindow } from 'electron';

/**
 * Where our renderer lives: the electron-vite dev server in development, the built files otherwise.
 * Everything else is foreign: navigation to it is blocked and IPC from it is refused.
 */
const devServer = process.env['ELECTRON_RENDERER_URL'];
const rendererDir = path.join(import.meta.dirname, '..', 'renderer');
const rendererFileUrl = pathToFileURL(rendererDir).href + '/';

export function isOwnUrl(url: string): boolean {
  if (devServer !== undefined && devServer !== '') {
    const origin = new URL(devServer).origin;
    if (url.startsWith(`${origin}/`) || url === origin) return true;
    // Vite's hot-reload socket in development.
    if (url.startsWith(origin.replace(/^http/, 'ws'))) return true;
  }
  return url.startsWith(rendererFileUrl);
}

/** Loads the renderer; `view` is the hash route (popover, dashboard). */
export async function loadRenderer(window: BrowserWindow, view: string): Promise<void> {
  if (devServer !== undefined && devServer !== '') await window.loadURL(`${devServer}#${view}`);
  else await window.loadFile(path.join(rendererDir, 'index.html'), { hash: view });
}
