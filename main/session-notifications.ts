import { Notification } from 'electron';
import type { SessionInfo } from '../src/api/payloads.js';
import type { AppWindows } from './windows.js';

const ENDED_WORDS: Partial<Record<SessionInfo['state'], string>> = {
  passed: 'passed',
  failed: 'failed',
  stagnated: 'stopped: no progress',
  budget_exhausted: 'stopped: token budget used up',
  timeout: 'timed out',
  error: 'stopped with an error',
};

/**
 * A native notification when a session passes or fails; clicking it opens that session. Each one
 * is kept here until it is clicked, closed or fails: a Notification nothing references can be
 * garbage-collected before its click arrives. Unsigned builds (Electron 42+ uses UNNotification)
 * emit `failed`; that is logged once, and the tray and dashboard still show the result.
 */
export class SessionNotifications {
  private readonly shown = new Set<Notification>();
  private failureLogged = false;

  constructor(private readonly windows: AppWindows) {}

  get pending(): number {
    return this.shown.size;
  }

  sessionEnded(info: SessionInfo): void {
    const word = ENDED_WORDS[info.state];
    if (word === undefined || !Notification.isSupported()) return; // cancelled/interrupted: the user knows
    const notification = new Notification({
      title: `${info.name} ${word}`,
      body: info.state === 'passed' ? `After ${info.attempts} attempt(s). Review the diff and merge it.` : info.reason,
      silent: false,
    });
    const release = (): void => {
      this.shown.delete(notification);
    };
    notification.on('click', () => {
      release();
      this.windows.showDashboard(info.id);
    });
    notification.on('close', release);
    notification.on('failed', (_event, error) => {
      release();
      if (this.failureLogged) return;
      this.failureLogged = true;
      console.warn(`Notifications are not available (${error}); an unsigned build cannot post them. Results stay in the dashboard.`);
    });
    this.shown.add(notification);
    notification.show();
  }
}
