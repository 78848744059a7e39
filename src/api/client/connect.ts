import type { FactoryApi } from './factory-api.js';
import { createWsClient } from './ws-client.js';
import { CODE_PARAM, CODE_PROTOCOL_PREFIX, TOKEN_PARAM, TOKEN_PROTOCOL_PREFIX, WS_PATH, WS_PROTOCOL } from '../wire.js';

/**
 * The renderer's one entry point: inside Electron the preload has put the bridge on
 * `window.factory`; in a browser the page was opened as http://127.0.0.1:PORT/#token=… (or
 * #code=… by `--open`) by `mlx-factory ui`. The credential is taken out of the address bar at once
 * and kept in this tab's sessionStorage (per origin, so per port: no other local server sees it).
 */
const STORAGE_KEY = 'mlx-factory-token';

export type Credential = { readonly kind: 'token' | 'code'; readonly value: string };

export function connectFactoryApi(win: Window = window, taken: Credential | null = takeCredential(win)): FactoryApi {
  if (win.factory !== undefined) return win.factory;
  let credential = taken;
  return createWsClient({
    url: webSocketUrlFor(win.location.href),
    protocols: () => protocolsFor(credential),
    onToken: (token) => {
      credential = { kind: 'token', value: token };
      storeToken(win, token);
    },
  });
}

/** The credential from the address's fragment (then removed from it and from history), else the tab's stored token. */
export function takeCredential(win: Window): Credential | null {
  const fragment = new URLSearchParams(win.location.hash.replace(/^#/, ''));
  const token = fragment.get(TOKEN_PARAM);
  const code = fragment.get(CODE_PARAM);
  if (token !== null || code !== null) win.history.replaceState(win.history.state, '', `${win.location.pathname}${win.location.search}`);
  if (token !== null) {
    storeToken(win, token);
    return { kind: 'token', value: token };
  }
  if (code !== null) return { kind: 'code', value: code };
  const stored = readToken(win);
  return stored === null ? null : { kind: 'token', value: stored };
}

export function protocolsFor(credential: Credential | null): string[] {
  if (credential === null) return [WS_PROTOCOL];
  return [WS_PROTOCOL, `${credential.kind === 'token' ? TOKEN_PROTOCOL_PREFIX : CODE_PROTOCOL_PREFIX}${credential.value}`];
}

export function webSocketUrlFor(pageUrl: string): string {
  const page = new URL(pageUrl);
  const protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${page.host}${WS_PATH}`;
}

export function storeToken(win: Window, token: string): void {
  try {
    win.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // storage disabled: the token lives as long as the page
  }
}

function readToken(win: Window): string | null {
  try {
    return win.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
