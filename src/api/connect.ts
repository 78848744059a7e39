import type { FactoryApi } from './client.js';
import { createWsClient } from './ws-client.js';
import { TOKEN_PARAM, WS_PATH } from './wire.js';

/**
 * The renderer's one entry point: inside Electron the preload has put the bridge on
 * `window.factory`; in a browser the page was opened as http://127.0.0.1:PORT/?token=… by
 * `mlx-factory ui`, and the same token opens the WebSocket on the same origin.
 */
export function connectFactoryApi(win: Window = window): FactoryApi {
  if (win.factory !== undefined) return win.factory;
  return createWsClient({ url: webSocketUrlFor(win.location.href) });
}

export function webSocketUrlFor(pageUrl: string): string {
  const page = new URL(pageUrl);
  const token = page.searchParams.get(TOKEN_PARAM) ?? '';
  const protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${page.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}
