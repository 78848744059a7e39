import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatAge, formatBytes, plural } from '../../lib/display-format.js';
import { groupByRepo, sessionTitles } from '../../lib/session-groups.js';
import { sortSessions } from '../../lib/session-filter.js';
import { useCleanupStore } from '../../state/cleanup-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { Spinner } from '../common/Spinner.js';
import { StatusBadge } from '../common/StatusBadge.js';
import { worktreeGone } from '../../lib/session-gone.js';

/**
 * Every session's worktree and the disk it takes, by repository: select, then discard (worktree
 * and branch removed, the work kept under an archive ref) or archive (hidden, nothing deleted).
 */
export function CleanupView() {
  const byId = useSessionsStore((s) => s.byId);
  const cleanup = useCleanupStore(
    useShallow((s) => ({ usage: s.usage, total: s.totalBytes, loading: s.usageLoading, error: s.usageError, busy: s.busy })),
  );
  const actions = useCleanupStore.getState();
  const confirm = useUiStore((s) => s.confirm);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    void useCleanupStore.getState().loadUsage();
  }, []);

  const sessions = useMemo(() => sortSessions(Object.values(byId)).filter((s) => !worktreeGone(s)), [byId]);
  const groups = useMemo(() => groupByRepo(sessions), [sessions]);
  const titles = useMemo(() => sessionTitles(Object.values(byId)), [byId]);
  const chosen = sessions.filter((s) => selected.has(s.id));
  const chosenBytes = chosen.reduce((sum, s) => sum + (cleanup.usage[s.id]?.bytes ?? 0), 0);
  const toggle = (id: string, on: boolean): void => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  const discard = (): void => {
    const ids = chosen.filter((s) => !s.live).map((s) => s.id);
    confirm({
      title: `Discard ${plural(ids.length, 'session')}?`,
      lines: [
        `Removes ${plural(ids.length, 'worktree')} (${formatBytes(chosenBytes)}) and ${ids.length === 1 ? 'its branch' : 'their branches'}.`,
        'The work stays reachable under archive refs; your checkouts and base branches are not touched. Running sessions are skipped.',
      ],
      action: `Discard ${ids.length}`,
      destructive: true,
      onConfirm: async () => {
        await actions.discardMany(ids);
        setSelected(new Set());
      },
    });
  };

  let body;
  if (sessions.length === 0) body = <EmptyState icon="check" title="Nothing to clean up" message="No session has a worktree any more." />;
  else if (cleanup.error !== null && cleanup.total === null)
    body = <ErrorState title="Could not measure the worktrees" message={cleanup.error} onRetry={() => void actions.loadUsage()} />;
  else
    body = (
      <div className="cleanup-groups">
        {groups.map((g) => (
          <section key={g.repo} className="card cleanup-group" aria-labelledby={`cleanup-${encodeURIComponent(g.repo)}`}>
            <div className="card-title-row">
              <h2 className="card-title" id={`cleanup-${encodeURIComponent(g.repo)}`} title={g.repo}>
                {g.label}
              </h2>
              <span className="muted mono cleanup-path">{g.repo}</span>
              <div className="spacer" />
              <span className="muted">{formatBytes(g.sessions.reduce((sum, s) => sum + (cleanup.usage[s.id]?.bytes ?? 0), 0))}</span>
            </div>
            <table className="cleanup-table">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                  <th scope="col">Session</th>
                  <th scope="col">State</th>
                  <th scope="col">Started</th>
                  <th scope="col" className="num">
                    Disk
                  </th>
                </tr>
              </thead>
              <tbody>
                {g.sessions.map((s) => {
                  const usage = cleanup.usage[s.id];
                  const title = titles[s.id];
                  return (
                    <tr key={s.id} data-cleanup-session={s.id}>
                      <td>
                        <input
                          type="checkbox"
                          checked={selected.has(s.id)}
                          onChange={(e) => toggle(s.id, e.target.checked)}
                          disabled={s.live}
                          aria-label={`Select ${title?.title ?? s.title}${title?.suffix != null ? ` #${title.suffix}` : ''}`}
                        />
                      </td>
                      <td className="cleanup-title" title={`${s.worktree}\n${s.branch}`}>
                        {title?.title ?? s.title}
                        {title?.suffix != null && <span className="session-short-id mono"> #{title.suffix}</span>}
                        {s.archived && <span className="badge neutral">Archived</span>}
                      </td>
                      <td>
                        <StatusBadge session={s} />
                      </td>
                      <td className="muted">{formatAge(s.createdAt, Date.now())}</td>
                      <td className="num" data-bytes={usage?.bytes ?? ''}>
                        {usage === undefined
                          ? cleanup.loading
                            ? '…'
                            : '—'
                          : !usage.exists
                            ? 'gone'
                            : `${formatBytes(usage.bytes)}${usage.partial ? '+' : ''}`}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    );

  return (
    <div className="page">
      <header className="page-header">
        <h1>Cleanup</h1>
        <span className="page-sub" data-total-bytes={cleanup.total ?? ''}>
          {cleanup.total !== null ? `Worktrees take ${formatBytes(cleanup.total)}` : cleanup.loading ? 'Measuring the worktrees…' : ''}
        </span>
        <div className="spacer" />
        {cleanup.loading && <Spinner size={12} />}
      </header>
      <div className="cleanup-bar">
        <span>
          {chosen.length > 0
            ? `${plural(chosen.length, 'session')} selected · ${formatBytes(chosenBytes)}`
            : 'Select sessions to discard or archive.'}
        </span>
        <div className="spacer" />
        <button
          type="button"
          className="btn"
          disabled={chosen.length === 0}
          onClick={() =>
            void actions
              .archive(
                chosen.map((s) => s.id),
                true,
              )
              .then(() => setSelected(new Set()))
          }
        >
          Archive
        </button>
        <button type="button" className="btn danger" disabled={chosen.length === 0 || cleanup.busy} onClick={discard}>
          {cleanup.busy && <Spinner size={11} />}
          Discard…
        </button>
      </div>
      <div className="page-body">
        {cleanup.loading && cleanup.total === null ? <LoadingState label="Measuring the worktrees…" /> : body}
      </div>
    </div>
  );
}
