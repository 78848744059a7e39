import { useMemo } from 'react';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { attemptsLabel } from '../../../../src/api/session-row.js';
import { formatAge, formatTokens } from '../../lib/display-format.js';
import { sortSessions } from '../../lib/session-filter.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { LoadingState } from '../common/LoadingState.js';
import { StatusBadge } from '../common/StatusBadge.js';

/** Running sessions first, then the last few that ended (so a result is one click away). */
export function RunningSessions({ onOpen }: { onOpen: (session: SessionInfo) => void }) {
  const byId = useSessionsStore((s) => s.byId);
  const loaded = useSessionsStore((s) => s.loaded);
  const error = useSessionsStore((s) => s.error);
  const { running, recent } = useMemo(() => {
    const all = sortSessions(Object.values(byId));
    return { running: all.filter((s) => s.state === 'running'), recent: all.filter((s) => s.state !== 'running').slice(0, 3) };
  }, [byId]);
  if (!loaded) return error !== null ? <div className="pop-error">{error}</div> : <LoadingState label="Loading sessions…" compact />;
  const row = (session: SessionInfo) => (
    <button key={session.id} type="button" className="pop-session" onClick={() => onOpen(session)} data-session={session.id}>
      <span className="pop-session-name">{session.name}</span>
      <span className="pop-session-meta">
        <StatusBadge session={session} />
        <span data-total-attempts={session.totalAttempts}>{attemptsLabel(session)}</span>
        <span>{formatTokens(session.totalTokens.prompt + session.totalTokens.completion)} tok</span>
        <span className="muted">{formatAge(session.updatedAt, Date.now())}</span>
      </span>
    </button>
  );
  return (
    <section className="pop-sessions" aria-label="Sessions">
      <div className="pop-section-title">Running</div>
      {running.length === 0 ? (
        <EmptyState title="Nothing running" message="Drop a folder on the icon, or start a new session." compact />
      ) : (
        running.map(row)
      )}
      {recent.length > 0 && (
        <>
          <div className="pop-section-title">Recent</div>
          {recent.map(row)}
        </>
      )}
    </section>
  );
}
