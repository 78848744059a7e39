import path from 'node:path';
import { app, dialog, ipcMain, type Tray } from 'electron';
import { createHost } from '../src/host/create-host.js';
import type { FactoryHost } from '../src/host/factory-host.js';
import { resolveLoginShellEnv, type ShellEnvironment } from '../src/host/login-shell-env.js';
import { registerIpcHandlers } from '../src/host/register-ipc.js';
import { isTrustedSender } from '../src/host/trusted-sender.js';
import { setMacosProfilePath } from '../src/sandbox/sandbox-exec-args.js';
import { IPC_REQUEST } from '../src/api/ipc-channels.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { appResources, resourceProblems } from './app-resources.js';
import { IpcWhenReady } from './ipc-when-ready.js';
import { nativeCapabilities } from './native.js';
import { RendererLocation } from './renderer-location.js';
import { hardenAllWebContents, lockDownSession } from './security.js';
import { SessionNotifications } from './session-notifications.js';
import { quitAfterShutdown } from './quit-once.js';
import { createTray } from './tray.js';
import { AppWindows } from './windows.js';

const DEV_NAME = 'MLX Factory (development)';

/**
 * The Electron main process: thin wiring of the shared host (src/host) to a tray, two windows,
 * IPC and notifications. No business logic lives here.
 */
registerAppScheme(); // before `ready`, as Electron requires

// A development run is another app: its own settings folder, and so its own single-instance lock
// (Electron keeps the lock in userData), or `npm start` would only focus an installed MLX Factory.
if (!app.isPackaged) app.setPath('userData', path.join(app.getPath('appData'), `${DEV_NAME}`));

if (!app.requestSingleInstanceLock()) {
  // Another instance runs: it focuses itself (second-instance below); this one leaves at once.
  app.quit();
} else {
  start();
}

function start(): void {
  const resources = appResources({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, bundleDir: import.meta.dirname });
  // The sandbox's profile is a plain file beside app.asar when packaged: sandbox-exec reads it.
  setMacosProfilePath(resources.sandboxProfile);
  // Started from Finder, the app has launchd's bare PATH: ask the login shell once, in the background
  // (the tray does not wait for it; the host, which runs the user's tools, does).
  const shellEnv = resolveLoginShellEnv();
  const location = new RendererLocation(app.isPackaged, process.env['ELECTRON_RENDERER_URL']);
  const windows = new AppWindows(location, resources.preload);
  let host: FactoryHost | undefined;
  let tray: Tray | undefined;

  hardenAllWebContents((url) => location.isOwnUrl(url));

  // Windows exist only after `ready` (and the host behind them once it is built).
  const focusApp = (): void => {
    if (host !== undefined) windows.focusSomething();
  };
  app.on('second-instance', focusApp);
  // Opened again from Finder or Spotlight: with LSUIElement macOS keeps the one instance and says `activate`.
  app.on('activate', focusApp);
  // A menu-bar app: closing every window does not quit it.
  app.on('window-all-closed', () => undefined);

  app
    .whenReady()
    .then(async () => {
      lockDownSession(
        (url) => location.isOwnUrl(url),
        (origin) => location.isOwnOrigin(origin),
      );
      serveRenderer(resources.rendererDir);
      // Packaged builds hide the Dock icon with LSUIElement (no flash at launch); dev runs do it here.
      if (!app.isPackaged) app.dock?.hide();
      const problems = resourceProblems(resources);
      if (problems.length > 0) dialog.showErrorBox('MLX Factory is incomplete', `Reinstall the app: ${problems.join('; ')}.`);
      // The icon first: the login shell may take seconds. Requests from a popover opened meanwhile wait for the host.
      const ipc = new IpcWhenReady(ipcMain);
      ipc.expect(IPC_REQUEST);
      let hostReady!: (host: FactoryHost) => void;
      const built = new Promise<FactoryHost>((resolve) => (hostReady = resolve));
      tray = createTray(resources.trayIcon, windows, (path) => {
        // Let the UI decide what to offer (a repo, a file, a folder without git): it gets the status.
        void built
          .then((ready) => ready.requestNewSession(path))
          .then(
            () => windows.showDashboard(),
            (error: unknown) => console.error('A dropped folder:', error),
          );
      });
      // A click on another menu-bar item or Control Center: the app resigns active, the popover gets no blur.
      app.on('did-resign-active', () => windows.appResignedActive());
      applyShellEnvironment(await shellEnv);
      console.log(
        `MLX Factory ${app.getVersion()} (${app.isPackaged ? 'packaged' : 'development'}): resources ${resources.resourcesDir}, sandbox profile ${resources.sandboxProfile}`,
      );
      const ready = createHost({ version: app.getVersion() });
      host = ready;
      registerIpcHandlers(ipc, ready, {
        native: nativeCapabilities(windows),
        // Electron's checklist: validate every IPC sender — the main frame of one of our windows, showing our renderer.
        isTrustedSender: (event) =>
          isTrustedSender(
            event,
            (id) => windows.ownsWebContents(id),
            (url) => location.isOwnUrl(url),
          ),
      });
      hostReady(ready);
      const notifications = new SessionNotifications(windows);
      ready.onSessionFinished((info) => notifications.sessionEnded(info));
    })
    .catch((error: unknown) => {
      console.error('MLX Factory could not start:', error);
      app.exit(1);
    });

  // On quit: checkpoint running sessions and stop the model server before the process goes —
  // once, however many quits arrive meanwhile.
  quitAfterShutdown(app, async () => {
    await host?.shutdown();
    tray?.destroy();
  });
}

/** Checks, workspace setup and the server's runtime discovery all read process.env: give it the shell's. */
function applyShellEnvironment(shell: ShellEnvironment): void {
  for (const [name, value] of Object.entries(shell.env)) process.env[name] = value;
  if (shell.source === 'fallback')
    console.warn(`Login shell environment not used (${shell.problem ?? 'unknown'}); PATH is ${process.env['PATH'] ?? ''}`);
}
