import os from 'node:os';
import { app, dialog, Notification } from 'electron';
import type { LoginItemState, NativeCapabilities } from '../src/host/handle-request.js';
import type { AppWindows } from './windows.js';

/** What only the desktop app can do, handed to the shared request handlers. */
export function nativeCapabilities(windows: AppWindows): NativeCapabilities {
  // The picker opens where the last one left off (Electron 43+ would open Downloads otherwise).
  let lastFolder = os.homedir();
  return {
    notifications: Notification.isSupported(),
    pickFolder(title) {
      // A sheet on our own window, with blur-hide paused: the popover is still there afterwards.
      return windows.withDialog(async (parent) => {
        const result = await dialog.showOpenDialog(parent, {
          title: title ?? 'Choose a folder',
          defaultPath: lastFolder,
          properties: ['openDirectory', 'createDirectory'],
        });
        const chosen = result.canceled ? null : (result.filePaths[0] ?? null);
        if (chosen !== null) lastFolder = chosen;
        return chosen;
      });
    },
    // A native message box from the main process: a page (or anything holding the API) cannot click it.
    confirmProgramSetting(key, value) {
      return windows.withDialog(async (parent) => {
        const shown = Array.isArray(value) ? value.join(' ') : value;
        const { response } = await dialog.showMessageBox(parent, {
          type: 'warning',
          buttons: ['Cancel', 'Allow'],
          defaultId: 0,
          cancelId: 0,
          message: `Allow MLX Factory to run this program?`,
          detail: `${key} will be set to:\n\n${shown}\n\nMLX Factory runs it as you, outside the sandbox. Allow it only if you typed it yourself.`,
        });
        return response === 1;
      });
    },
    getLoginItem: () => loginItemState(),
    setLoginItem(openAtLogin) {
      app.setLoginItemSettings({ openAtLogin });
      return loginItemState();
    },
    openDashboard: (session) => {
      windows.showDashboard(session);
    },
    // After the answer is on its way: quitting closes the window that asked.
    quit: () => setImmediate(() => app.quit()),
  };
}

/** macOS 13+ also reports a status: `requires-approval` means System Settings must allow it first. */
const LOGIN_ITEM_STATUSES = ['not-registered', 'enabled', 'requires-approval', 'not-found'] as const;

function loginItemState(): LoginItemState {
  const settings = app.getLoginItemSettings();
  const reported: unknown = (settings as { status?: unknown }).status;
  const status = LOGIN_ITEM_STATUSES.find((known) => known === reported);
  // Electron can say openAtLogin: true while macOS still waits for approval: it starts at login only when `enabled`.
  return status === undefined ? { openAtLogin: settings.openAtLogin } : { openAtLogin: status === 'enabled', status };
}
