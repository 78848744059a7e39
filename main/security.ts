import { app, session, shell, type WebContents } from 'electron';

/**
 * Electron's security checklist, applied to every WebContents the app creates: no navigation away
 * from our renderer, no new windows, no <webview>, no permission prompts (notifications are shown
 * by the main process), and nothing remote is ever loaded.
 */
/** A session's app that its run script serves (#21's "Open"): loopback, a port, nothing else. */
const LOCAL_APP_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}\/?$/;

export function hardenAllWebContents(isOwnUrl: (url: string) => boolean): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOwnUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isOwnUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to the web (docs, a model's page) open in the user's browser, never in the app.
      if (url.startsWith('https://') || LOCAL_APP_URL.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

const CHECKED_PERMISSIONS_ALLOWED = new Set(['clipboard-sanitized-write']);

/** After `ready`: no permissions but the clipboard write for our own pages, and no request to anything but our renderer (and DevTools). */
export function lockDownSession(isOwnUrl: (url: string) => boolean, isOwnOrigin: (origin: string) => boolean): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  // navigator.clipboard is the renderer's only clipboard (Electron 44+ dropped it from the preload's
  // reach): its sanitized write ("Copy" buttons) is allowed for our own pages; nothing else is.
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => {
    return CHECKED_PERMISSIONS_ALLOWED.has(permission) && isOwnOrigin(requestingOrigin);
  });
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isOwnUrl(details.url) && !details.url.startsWith('devtools://') });
  });
}
