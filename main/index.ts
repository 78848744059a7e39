import { app, ipcMain, type Tray } from 'electron';
import { createHost } from '../src/host/create-host.js';
import type { FactoryHost } from '../src/host/factory-host.js';
import { registerIpcHandlers } from '../src/host/register-ipc.js';
import { nativeCapabilities, notifySessionEnded } from './native.js';
import { isOwnUrl } from './renderer-location.js';
import { hardenAllWebContents } from './security.js';
import { createTray } from './tray.js';
import { AppWindows } from './windows.js';

/**
 * The Electron main process: thin wiring of the shared host (src/host) to a tray, two windows,
 * IPC and notifications. No business logic lives here.
 */
if (!app.requestSingleInstanceLock()) {
  // Another instance runs: it focuses itself (second-instance below); this one leaves at once.
  app.quit();
} else {
  start();
}

function start(): void {
  const windows = new AppWindows();
  let host: FactoryHost | undefined;
  let tray: Tray | undefined;
  let quitting = false;

  hardenAllWebContents(isOwnUrl);

  app.on('second-instance', () => windows.focusSomething());
  // A menu-bar app: closing every window does not quit it.
  app.on('window-all-closed', () => undefined);

  app.whenReady().then(
    () => {
      // Packaged builds hide the Dock icon with LSUIElement (no flash at launch); dev runs do it here.
      if (!app.isPackaged) app.dock?.hide();
      const ready = createHost({ version: app.getVersion() });
      host = ready;
      registerIpcHandlers(ipcMain, ready, {
        native: nativeCapabilities(windows),
        // Electron's checklist: validate every IPC sender — one of our windows, showing our renderer.
        isTrustedSender: (event) => windows.ownsWebContents(event.sender.id) && event.senderFrame !== null && isOwnUrl(event.senderFrame.url),
      });
      ready.onSessionFinished((info) => notifySessionEnded(info, windows));
      tray = createTray(windows, (path) => {
        // Let the UI decide what to offer (a repo, a file, a folder without git): it gets the status.
        void ready.requestNewSession(path).then(() => windows.showDashboard());
      });
    },
    (error: unknown) => {
      console.error('MLX Factory could not start:', error);
      app.exit(1);
    },
  );

  // On quit: checkpoint running sessions and stop the model server before the process goes.
  app.on('before-quit', (event) => {
    if (quitting || host === undefined) return;
    event.preventDefault();
    quitting = true;
    const stopping = host;
    void stopping
      .shutdown()
      .catch((error: unknown) => console.error('Shutting down:', error))
      .finally(() => {
        tray?.destroy();
        app.quit();
      });
  });
}
