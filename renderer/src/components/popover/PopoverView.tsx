import type { SessionInfo } from '../../../../src/api/payloads.js';
import { errorText } from '../../lib/api-errors.js';
import { api } from '../../state/api-instance.js';
import { useConnectionStore } from '../../state/connection-store.js';
import { useMemoryStore } from '../../state/memory-store.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { useServerStore } from '../../state/server-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { Icon } from '../common/Icon.js';
import { MemoryGauge } from './MemoryGauge.js';
import { RunningSessions } from './RunningSessions.js';
import { ServerCard } from './ServerCard.js';

/** The tray popover (~380×520): server, memory, sessions, and the two ways onward. */
export function PopoverView() {
  const sample = useMemoryStore((s) => s.samples.at(-1) ?? null);
  const server = useServerStore((s) => s.status.value);
  const canOpenWindows = useConnectionStore((s) => s.info?.capabilities.windows === true);
  const toast = useUiStore((s) => s.toast);
  const openNew = useNewSessionStore((s) => s.open);

  const openDashboard = async (session?: SessionInfo): Promise<void> => {
    if (canOpenWindows) {
      const answer = await api().request('app.openDashboard', session === undefined ? {} : { session: session.id });
      if (!answer.ok) toast('danger', errorText(answer.error));
      return;
    }
    // A browser has one page: go to the dashboard in it.
    useUiStore
      .getState()
      .navigate(
        session === undefined
          ? { view: 'sessions', session: null, tab: 'transcript' }
          : { view: 'sessions', session: session.id, tab: 'transcript' },
      );
  };

  const quitApp = async (): Promise<void> => {
    const answer = await api().request('app.quit', {});
    if (!answer.ok) toast('danger', errorText(answer.error));
  };

  return (
    <div className="popover">
      <header className="pop-header">
        <h1 className="pop-title">MLX Factory</h1>
        <div className="spacer" />
        <button
          type="button"
          className="icon-btn"
          onClick={() => void openDashboard()}
          aria-label="Open the dashboard"
          title="Open the dashboard"
        >
          <Icon name="window" size={15} />
        </button>
      </header>
      <main className="pop-body">
        <ServerCard />
        <MemoryGauge sample={sample} server={server} />
        <RunningSessions onOpen={(session) => void openDashboard(session)} />
      </main>
      <footer className="pop-footer">
        {canOpenWindows && (
          // The desktop app only (a browser tab has nothing to quit): the menu is not the only way out.
          <button type="button" className="btn" onClick={() => void quitApp()}>
            Quit
          </button>
        )}
        <button type="button" className="btn" onClick={() => void openDashboard()}>
          Open dashboard
        </button>
        <button type="button" className="btn primary" onClick={() => openNew()}>
          <Icon name="plus" size={12} /> New session…
        </button>
      </footer>
    </div>
  );
}
