import fs from 'node:fs/promises';
import { resolveStaticFile } from '../src/host/static-files.js';

/**
 * The renderer's origin in the app: `app://renderer/…`, served from the built renderer folder by
 * `protocol.handle` (Electron's checklist #18: a custom protocol, not file://). This half has no
 * Electron in it, so the e2e test serves the renderer to Chromium with exactly these answers.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Privileges the scheme is registered with before `ready`: a secure, standard origin (workers, fetch, storage). */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

/**
 * The page's CSP, sent as a header (index.html has a meta CSP too; both apply). Nothing remote;
 * inline styles for Monaco; Monaco's worker is a built file of the same origin; no sockets (the
 * app talks over IPC).
 */
const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface AppResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array<ArrayBuffer> | string;
}

/** The answer for one URL (`app://renderer/assets/x.js`, or any URL whose path is meant): a file of the renderer, or 404. */
export async function appProtocolResponse(rendererDir: string, url: string): Promise<AppResponse> {
  const parsed = new URL(url);
  const found = resolveStaticFile(rendererDir, parsed.pathname);
  const common = {
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  if (found === null) return { status: 404, headers: { ...common, 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not found.' };
  const headers: Record<string, string> = { ...common, 'Content-Type': found.contentType };
  if (found.contentType.startsWith('text/html')) headers['Content-Security-Policy'] = RENDERER_CSP;
  return { status: 200, headers, body: new Uint8Array(await fs.readFile(found.file)) };
}
