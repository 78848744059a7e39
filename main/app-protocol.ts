import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolResponse } from './app-protocol-response.js';

/** Before `ready`: `app:` is a standard, secure scheme (so Monaco's worker and fetch work on it). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
}

/** After `ready`: `app://renderer/…` answers with the built renderer's files (read from app.asar when packaged). */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (new URL(request.url).host !== APP_HOST) return new Response('Not found.', { status: 404 });
    const answer = await appProtocolResponse(rendererDir, request.url);
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
}
