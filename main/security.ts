import { app, session, shell, type WebContents } from 'electron';

/**
 * Electron's security checklist, applied to every WebContents the app creates: no navigation away
 * from our renderer, no new windows, no <webview>, no permission prompts (notifications are shown
 * by the main process), and nothing remote is ever loaded.
 */
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
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

/** After `ready`: no permissions, and no request to anything but our renderer (and DevTools). */
export function lockDownSession(isOwnUrl: (url: string) => boolean): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isOwnUrl(details.url) && !details.url.startsWith('devtools://') });
  });
}
