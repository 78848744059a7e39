import { useEffect, useMemo, useState } from 'react';
import { groupView } from '../../../../src/api/group-projection.js';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { formatTokens, plural } from '../../lib/display-format.js';
import { api } from '../../state/api-instance.js';
import { useCleanupStore } from '../../state/cleanup-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { Banner } from '../common/Banner.js';
import { StatusBadge } from '../common/StatusBadge.js';

interface DiffSize {
  readonly files: number;
  readonly additions: number;
  readonly deletions: number;
}

/** Lines added and removed against the base, per sibling (fetched once per head commit). */
function useDiffSizes(siblings: readonly SessionInfo[]): Readonly<Record<string, DiffSize | null>> {
  const [sizes, setSizes] = useState<Record<string, DiffSize | null>>({});
  const key = siblings.map((s) => `${s.id}@${s.headCommit}@${s.state}`).join(',');
  useEffect(() => {
    let live = true;
    for (const s of siblings) {
      if (s.state === 'discarded') continue;
      void api()
        .request('sessions.diff', { id: s.id })
        .then((answer) => {
          if (!live || !answer.ok) return;
          const files = answer.data.files;
          const size = {
            files: files.length,
            additions: files.reduce((n, f) => n + (f.additions ?? 0), 0),
            deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
          };
          setSizes((prev) => ({ ...prev, [s.id]: size }));
        });
    }
    return () => {
      live = false;
    };
    // `key` stands for the siblings’ heads and states.
  }, [key]);
  return sizes;
}

function checkText(s: SessionInfo): { text: string; tone: string } {
  const check = s.lastCheck;
  if (check == null) return { text: 'not run', tone: 'neutral' };
  if (check.timedOut) return { text: 'timed out', tone: 'danger' };
  return check.exitCode === 0 ? { text: 'exit 0', tone: 'success' } : { text: `exit ${String(check.exitCode)}`, tone: 'danger' };
}

/**
 * Best of K in the session view: every sibling side by side — state, attempts, tokens, diff size,
 * the latest check — each a link to its own transcript and diff; once one is merged, an offer to
 * discard the others.
 */
export function SiblingCompare({ session }: { session: SessionInfo }) {
  const byId = useSessionsStore((s) => s.byId);
  const navigate = useUiStore((s) => s.navigate);
  const confirm = useUiStore((s) => s.confirm);
  const discardMany = useCleanupStore((s) => s.discardMany);
  const groupId = session.group?.id;
  const siblings = useMemo(
    () =>
      Object.values(byId)
        .filter((s) => s.group?.id === groupId)
        .sort((a, b) => (a.group?.index ?? 0) - (b.group?.index ?? 0)),
    [byId, groupId],
  );
  const sizes = useDiffSizes(siblings);
  if (groupId === undefined || siblings.length === 0) return null;
  const group = groupView(siblings);
  const others = siblings.filter((s) => s.id !== session.id && s.state !== 'discarded' && s.state !== 'running');
  const offerDiscard = session.merged && others.length > 0;
  const discardOthers = (): void =>
    confirm({
      title: `Discard the other ${plural(others.length, 'sibling')}?`,
      lines: [
        `Sibling #${(session.group?.index ?? 0) + 1} is merged. The others' worktrees and branches are removed; their work stays under archive refs.`,
      ],
      action: `Discard ${others.length}`,
      destructive: true,
      onConfirm: async () => {
        await discardMany(others.map((s) => s.id));
      },
    });
  return (
    <section className="sibling-compare" aria-label={`Best of ${group.size}`} data-group={group.id}>
      {offerDiscard && (
        <Banner
          tone="info"
          action={
            <button type="button" className="btn small" onClick={discardOthers} data-discard-siblings>
              Discard {others.length}…
            </button>
          }
        >
          This sibling is merged; the other {plural(others.length, 'sibling')} are kept for review.
        </Banner>
      )}
      <table className="sibling-table">
        <caption>
          Best of {group.size}
          {group.winner !== null ? ` · winner #${siblings.findIndex((s) => s.id === group.winner) + 1}` : ''}
          {group.state === 'running' ? ' · running' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Sibling</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Tokens</th>
            <th scope="col">Diff</th>
            <th scope="col">Check</th>
          </tr>
        </thead>
        <tbody>
          {siblings.map((s) => {
            const size = sizes[s.id];
            const check = checkText(s);
            const current = s.id === session.id;
            return (
              <tr key={s.id} className={current ? 'current' : ''} data-sibling={s.id} aria-current={current ? 'true' : undefined}>
                <td>
                  <button
                    type="button"
                    className="link-btn"
                    onClick={() => navigate({ view: 'sessions', session: s.id, tab: 'diff' })}
                    title={`${s.id}: open its diff`}
                  >
                    #{(s.group?.index ?? 0) + 1}
                  </button>
                  <span className="sibling-temp"> t {s.group?.temperature}</span>
                  {s.id === group.winner && <span className="badge success sibling-winner">Winner</span>}
                </td>
                <td>
                  <StatusBadge session={s} />
                </td>
                <td className="num">{s.totalAttempts}</td>
                <td className="num">{formatTokens(s.totalTokens.prompt + s.totalTokens.completion)}</td>
                <td className="num mono">{size == null ? '–' : `${plural(size.files, 'file')} +${size.additions} −${size.deletions}`}</td>
                <td>
                  <span className={`sibling-check ${check.tone}`}>{check.text}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
