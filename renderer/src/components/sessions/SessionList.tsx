import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { filterSessions, sortSessions } from '../../lib/session-filter.js';
import { cleanupCandidates, groupByRepo, listItems, sessionTitles } from '../../lib/session-groups.js';
import { GroupRow } from './GroupRow.js';
import { plural } from '../../lib/display-format.js';
import { useListKeys } from '../../hooks/use-list-keys.js';
import { useCleanupStore } from '../../state/cleanup-store.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { SessionFilters } from './SessionFilters.js';
import { SessionRow } from './SessionRow.js';

/**
 * The list column: filters, then sessions grouped by repository (newest first in each; the full
 * path on hover), each group with its cleanup; ↑/↓ move through every shown session.
 */
export function SessionList({ selected }: { selected: string | null }) {
  const { byId, loaded, error, group, query, load, showArchived, setShowArchived } = useSessionsStore(
    useShallow((s) => ({
      byId: s.byId,
      loaded: s.loaded,
      error: s.error,
      group: s.group,
      query: s.query,
      load: s.load,
      showArchived: s.showArchived,
      setShowArchived: s.setShowArchived,
    })),
  );
  const navigate = useUiStore((s) => s.navigate);
  const confirm = useUiStore((s) => s.confirm);
  const openNew = useNewSessionStore((s) => s.open);
  const discardMany = useCleanupStore((s) => s.discardMany);
  const all = useMemo(() => sortSessions(Object.values(byId)), [byId]);
  const visible = useMemo(() => (showArchived ? all : all.filter((s) => !s.archived)), [all, showArchived]);
  const archivedCount = all.length - all.filter((s) => !s.archived).length;
  const groups = useMemo(() => groupByRepo(filterSessions(visible, group, query)), [visible, group, query]);
  const titles = useMemo(() => sessionTitles(all), [all]);
  // Best-of-K siblings sit together under their group's line.
  const items = useMemo(() => new Map(groups.map((g) => [g.repo, listItems(g.sessions)])), [groups]);
  // Keyboard order is screen order: group by group.
  const shown = useMemo(
    () => groups.flatMap((g) => (items.get(g.repo) ?? []).flatMap((item) => (item.kind === 'session' ? [item.session] : []))),
    [groups, items],
  );
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const select = (id: string): void => navigate({ view: 'sessions', session: id, tab: 'transcript' });
  const selectedIndex = shown.findIndex((s) => s.id === selected);
  const onKeyDown = useListKeys(
    shown,
    selectedIndex,
    (s) => select(s.id),
    (i) => `session-row-${shown[i]?.id ?? i}`,
  );

  const cleanUp = (repo: string, label: string, sessions: readonly SessionInfo[]): void => {
    const candidates = cleanupCandidates(sessions);
    confirm({
      title: `Discard ${plural(candidates.length, 'session')} of ${label}?`,
      lines: [
        `Removes the worktrees and branches of every merged or failed session of ${repo}: ${candidates
          .map((s) => s.title)
          .slice(0, 5)
          .join('; ')}${candidates.length > 5 ? '…' : ''}.`,
        'Each one’s work stays reachable under an archive ref. Sessions that passed and are not merged yet, and running ones, are left alone.',
      ],
      action: `Discard ${candidates.length}`,
      destructive: true,
      onConfirm: async () => {
        await discardMany(candidates.map((s) => s.id));
      },
    });
  };

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
  else if (shown.length === 0)
    body = (
      <EmptyState
        title="No matching sessions"
        message={archivedCount > 0 && !showArchived ? 'Try another filter, or show the archived ones.' : 'Try another filter.'}
        compact
      />
    );
  else
    body = (
      <div
        className="session-rows"
        role="listbox"
        aria-label="Sessions"
        tabIndex={0}
        onKeyDown={onKeyDown}
        aria-activedescendant={selectedIndex >= 0 ? `session-row-${selected}` : undefined}
      >
        {groups.map((g) => {
          const headerId = `repo-group-${encodeURIComponent(g.repo)}`;
          const candidates = cleanupCandidates(g.sessions);
          return (
            <div key={g.repo} role="group" aria-labelledby={headerId} className="repo-group" data-repo={g.repo}>
              <div className="repo-group-head">
                <span id={headerId} className="repo-group-name" title={g.repo}>
                  {g.label}
                </span>
                <span className="repo-group-count">{g.sessions.length}</span>
                {candidates.length > 0 && (
                  <button
                    type="button"
                    className="link-btn repo-cleanup"
                    onClick={() => cleanUp(g.repo, g.label, g.sessions)}
                    title={`Discard the ${plural(candidates.length, 'merged or failed session')} of ${g.repo}`}
                  >
                    Clean up {candidates.length}…
                  </button>
                )}
              </div>
              {(items.get(g.repo) ?? []).map((item) =>
                item.kind === 'group' ? (
                  <GroupRow key={item.group.id} group={item.group} onSelect={select} />
                ) : (
                  <SessionRow
                    key={item.session.id}
                    id={`session-row-${item.session.id}`}
                    session={item.session}
                    title={titles[item.session.id]}
                    selected={item.session.id === selected}
                    now={now}
                    onSelect={select}
                    sibling={item.sibling}
                  />
                ),
              )}
            </div>
          );
        })}
      </div>
    );
  return (
    <div className="session-list">
      <SessionFilters sessions={visible} />
      {error !== null && loaded && <div className="inline-error">{error}</div>}
      <div className="session-list-body">{body}</div>
      {archivedCount > 0 && (
        <div className="session-list-foot">
          <label className="checkbox">
            <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />
            Show archived ({archivedCount})
          </label>
        </div>
      )}
    </div>
  );
}
