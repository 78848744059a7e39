import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { filterSessions, sortSessions } from '../../lib/session-filter.js';
import { useListKeys } from '../../hooks/use-list-keys.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { SessionFilters } from './SessionFilters.js';
import { SessionRow } from './SessionRow.js';

/** The list column: filters, then sessions newest first; ↑/↓ move between them. */
export function SessionList({ selected }: { selected: string | null }) {
  const { byId, loaded, error, group, query, load } = useSessionsStore(useShallow((s) => ({ byId: s.byId, loaded: s.loaded, error: s.error, group: s.group, query: s.query, load: s.load })));
  const navigate = useUiStore((s) => s.navigate);
  const openNew = useNewSessionStore((s) => s.open);
  const all = useMemo(() => sortSessions(Object.values(byId)), [byId]);
  const shown = useMemo(() => filterSessions(all, group, query), [all, group, query]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const select = (id: string): void => navigate({ view: 'sessions', session: id, tab: 'transcript' });
  const selectedIndex = shown.findIndex((s) => s.id === selected);
  const onKeyDown = useListKeys(shown, selectedIndex, (s) => select(s.id), (i) => `session-row-${shown[i]?.id ?? i}`);

  let body;
  if (!loaded && error !== null) body = <ErrorState message={error} onRetry={() => void load()} compact />;
  else if (!loaded) body = <LoadingState label="Loading sessions…" compact />;
  else if (all.length === 0)
    body = (
      <EmptyState
        icon="sessions"
        title="No sessions yet"
        message="Start one on a repository: the Coder works in its own worktree, your checkout stays as it is."
        action={
          <button type="button" className="btn primary small" onClick={() => openNew()}>
            New session…
          </button>
        }
        compact
      />
    );
  else if (shown.length === 0) body = <EmptyState title="No matching sessions" message="Try another filter." compact />;
  else
    body = (
      <div className="session-rows" role="listbox" aria-label="Sessions" tabIndex={0} onKeyDown={onKeyDown} aria-activedescendant={selected !== null ? `session-row-${selected}` : undefined}>
        {shown.map((session) => (
          <SessionRow key={session.id} id={`session-row-${session.id}`} session={session} selected={session.id === selected} now={now} onSelect={select} />
        ))}
      </div>
    );
  return (
    <div className="session-list">
      <SessionFilters sessions={all} />
      {error !== null && loaded && <div className="inline-error">{error}</div>}
      <div className="session-list-body">{body}</div>
    </div>
  );
}
