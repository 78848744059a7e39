import type { SessionTab } from '../../lib/route.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { SessionList } from '../sessions/SessionList.js';
import { SessionView } from '../sessions/SessionView.js';

export function SessionsPage({ session, tab }: { session: string | null; tab: SessionTab }) {
  const openNew = useNewSessionStore((s) => s.open);
  return (
    <div className="sessions-page">
      <SessionList selected={session} />
      <div className="sessions-detail">
        {session !== null ? (
          <SessionView key={session} id={session} tab={tab} />
        ) : (
          <EmptyState
            icon="sessions"
            title="Pick a session"
            message="Its live transcript, check output, verdicts and diff show here."
            action={
              <button type="button" className="btn" onClick={() => openNew()}>
                New session… <span className="kbd">⌘N</span>
              </button>
            }
          />
        )}
      </div>
    </div>
  );
}
