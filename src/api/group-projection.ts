import type { SessionRow } from './session-row.js';
import type { SessionState } from './session-status.js';

/**
 * Best of K (#16): a group is K sibling sessions on one task and base commit. It has no log of its
 * own — its state is this pure projection over its siblings' list rows (session-row.ts), read the
 * same way by the CLI, the host and the renderer.
 *
 * - running while any sibling runs and none has passed yet — or while a passed one waits for the
 *   others to stop (they are being cancelled);
 * - the winner is the sibling whose run passed (kept when it is merged later); the first by index if
 *   several passed (two can finish in the same moment);
 * - passed / merged once every sibling has stopped and one passed (merged: the winner was merged);
 * - interrupted when none passed and a sibling can still go on (its process died: resume continues it);
 * - failed when every sibling ended without passing; discarded when every sibling was discarded.
 */
type GroupState = 'running' | 'passed' | 'merged' | 'interrupted' | 'failed' | 'discarded';

interface GroupSibling {
  readonly id: string;
  readonly index: number;
  readonly state: SessionState;
  readonly temperature: number;
}

export interface GroupView {
  readonly id: string;
  readonly size: number;
  readonly state: GroupState;
  /** The sibling whose run passed (null: none yet). */
  readonly winner: string | null;
  /** By index (sibling 1 first); a sibling whose log is missing is simply not listed. */
  readonly siblings: readonly GroupSibling[];
  readonly title: string;
  readonly repo: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

type GroupedRow = SessionRow & { readonly group: NonNullable<SessionRow['group']> };

function inGroup(row: SessionRow): row is GroupedRow {
  return row.group !== undefined;
}

/** A sibling that passed (its latest run, or a merge of it that followed). */
function won(row: SessionRow): boolean {
  return row.outcome === 'passed' && row.rolledBackTo === null && row.state !== 'discarded';
}

/** Sibling states from which `resume` continues the run (resume-session.ts's rule). */
const RESUMABLE: ReadonlySet<SessionState> = new Set<SessionState>(['interrupted', 'cancelled', 'error', 'timeout']);

export function groupView(siblings: readonly SessionRow[]): GroupView {
  const rows = siblings.filter(inGroup).sort((a, b) => a.group.index - b.group.index);
  const first = rows[0];
  if (first === undefined) throw new Error('groupView needs at least one sibling');
  const winnerRow = rows.find(won) ?? null;
  const anyRunning = rows.some((r) => r.state === 'running');
  let state: GroupState;
  if (anyRunning) state = 'running';
  else if (rows.every((r) => r.state === 'discarded')) state = 'discarded';
  else if (winnerRow !== null) state = winnerRow.state === 'merged' || winnerRow.merged ? 'merged' : 'passed';
  // Cancelled siblings of a group without a winner were stopped by a crash or by the user: resumable.
  else if (rows.some((r) => RESUMABLE.has(r.state))) state = 'interrupted';
  else state = 'failed';
  return {
    id: first.group.id,
    size: first.group.size,
    state,
    winner: winnerRow?.id ?? null,
    siblings: rows.map((r) => ({ id: r.id, index: r.group.index, state: r.state, temperature: r.group.temperature })),
    title: first.title,
    repo: first.repo,
    createdAt: rows.reduce((min, r) => (r.createdAt < min ? r.createdAt : min), first.createdAt),
    updatedAt: rows.reduce((max, r) => (r.updatedAt > max ? r.updatedAt : max), first.updatedAt),
  };
}

/** Every group among these rows, keyed by group id (rows of sessions on their own are left out). */
export function groupsOf(rows: readonly SessionRow[]): Map<string, GroupView> {
  const byId = new Map<string, SessionRow[]>();
  for (const row of rows) {
    if (row.group === undefined) continue;
    const list = byId.get(row.group.id) ?? [];
    list.push(row);
    byId.set(row.group.id, list);
  }
  return new Map([...byId].map(([id, list]) => [id, groupView(list)]));
}

/** Group ids look like `g<yymmddHHMM>-<hex>`: never a session id, so `sessions merge ID|GROUP` can tell them apart. */
export function isGroupId(id: string): boolean {
  return /^g\d{10}-[0-9a-f]+$/.test(id);
}

/**
 * Temperatures of K siblings: the first at the configured one, the others spread evenly over
 * 0.3–0.8 so their replies differ (a greedy model at 0 gives K copies of one reply).
 */
export function siblingTemperature(index: number, size: number, configured: number): number {
  if (index === 0) return configured;
  const others = size - 1;
  const t = others === 1 ? 0.55 : 0.3 + (0.5 * (index - 1)) / (others - 1);
  return Math.round(t * 100) / 100;
}
