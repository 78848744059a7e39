import { app, dialog, Notification } from 'electron';
import type { NativeCapabilities } from '../src/host/handle-request.js';
import type { SessionInfo } from '../src/api/payloads.js';
import type { AppWindows } from './windows.js';

/** What only the desktop app can do, handed to the shared request handlers. */
export function nativeCapabilities(windows: AppWindows): NativeCapabilities {
  return {
    notifications: Notification.isSupported(),
    async pickFolder(title) {
      const result = await dialog.showOpenDialog({ title: title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory'] });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    getLoginItem: () => app.getLoginItemSettings().openAtLogin,
    setLoginItem(openAtLogin) {
      app.setLoginItemSettings({ openAtLogin });
      return app.getLoginItemSettings().openAtLogin;
    },
    openDashboard: (session) => {
      windows.showDashboard(session);
    },
  };
}

const ENDED_WORDS: Partial<Record<SessionInfo['state'], string>> = {
  passed: 'passed',
  failed: 'failed',
  stagnated: 'stopped: no progress',
  budget_exhausted: 'stopped: token budget used up',
  timeout: 'timed out',
  error: 'stopped with an error',
};

/** A native notification when a session passes or fails; clicking it opens that session. */
export function notifySessionEnded(info: SessionInfo, windows: AppWindows): void {
  const word = ENDED_WORDS[info.state];
  if (word === undefined || !Notification.isSupported()) return; // cancelled/interrupted: the user knows
  const notification = new Notification({
    title: `${info.name} ${word}`,
    body: info.state === 'passed' ? `After ${info.attempts} attempt(s). Review the diff and merge it.` : info.reason,
    silent: false,
  });
  notification.on('click', () => windows.showDashboard(info.id));
  notification.show();
}
