import { app, dialog, ipcMain, type Tray } from 'electron';
import { createHost } from '../src/host/create-host.js';
import type { FactoryHost } from '../src/host/factory-host.js';
import { resolveLoginShellEnv, type ShellEnvironment } from '../src/host/login-shell-env.js';
import { registerIpcHandlers } from '../src/host/register-ipc.js';
import { setMacosProfilePath } from '../src/sandbox/sandbox-exec-args.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { appResources, resourceProblems } from './app-resources.js';
import { nativeCapabilities } from './native.js';
import { RendererLocation } from './renderer-location.js';
import { hardenAllWebContents, lockDownSession } from './security.js';
import { SessionNotifications } from './session-notifications.js';
import { createTray } from './tray.js';
import { AppWindows } from './windows.js';

/**
 * The Electron main process: thin wiring of the shared host (src/host) to a tray, two windows,
 * IPC and notifications. No business logic lives here.
 */
registerAppScheme(); // before `ready`, as Electron requires

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
  // Started from Finder, the app has launchd's bare PATH: ask the login shell once, while Electron starts.
  const shellEnv = resolveLoginShellEnv();
  const location = new RendererLocation(app.isPackaged, process.env['ELECTRON_RENDERER_URL']);
  const windows = new AppWindows(location, resources.preload);
  let host: FactoryHost | undefined;
  let tray: Tray | undefined;
  let quitting = false;

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
      lockDownSession((url) => location.isOwnUrl(url));
      serveRenderer(resources.rendererDir);
      // Packaged builds hide the Dock icon with LSUIElement (no flash at launch); dev runs do it here.
      if (!app.isPackaged) app.dock?.hide();
      const problems = resourceProblems(resources);
      if (problems.length > 0) dialog.showErrorBox('MLX Factory is incomplete', `Reinstall the app: ${problems.join('; ')}.`);
      applyShellEnvironment(await shellEnv);
      console.log(
        `MLX Factory ${app.getVersion()} (${app.isPackaged ? 'packaged' : 'development'}): resources ${resources.resourcesDir}, sandbox profile ${resources.sandboxProfile}`,
      );
      const ready = createHost({ version: app.getVersion() });
      host = ready;
      registerIpcHandlers(ipcMain, ready, {
        native: nativeCapabilities(windows),
        // Electron's checklist: validate every IPC sender — one of our windows, showing our renderer.
        isTrustedSender: (event) =>
          windows.ownsWebContents(event.sender.id) && event.senderFrame !== null && location.isOwnUrl(event.senderFrame.url),
      });
      const notifications = new SessionNotifications(windows);
      ready.onSessionFinished((info) => notifications.sessionEnded(info));
      tray = createTray(resources.trayIcon, windows, (path) => {
        // Let the UI decide what to offer (a repo, a file, a folder without git): it gets the status.
        void ready.requestNewSession(path).then(
          () => windows.showDashboard(),
          (error: unknown) => console.error('A dropped folder:', error),
        );
      });
    })
    .catch((error: unknown) => {
      console.error('MLX Factory could not start:', error);
      app.exit(1);
    });

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

/** Checks, workspace setup and the server's runtime discovery all read process.env: give it the shell's. */
function applyShellEnvironment(shell: ShellEnvironment): void {
  for (const [name, value] of Object.entries(shell.env)) process.env[name] = value;
  if (shell.source === 'fallback')
    console.warn(`Login shell environment not used (${shell.problem ?? 'unknown'}); PATH is ${process.env['PATH'] ?? ''}`);
}
