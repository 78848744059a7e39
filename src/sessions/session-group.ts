import { uncommittedPaths } from '../workspace/git/status.js';
import { SharedPreflight } from './shared-preflight.js';
import crypto from 'node:crypto';
import { groupView, isGroupId, siblingTemperature, type GroupView } from '../api/group-projection.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { discardSession } from './discard-session.js';
import { resumeSession } from './resume-session.js';
import { loadAllSessions, reconcileSessions } from './session-store.js';
import {
  launchSession,
  prepareSession,
  type LaunchDeps,
  type PreparedSession,
  type SessionRequest,
  type SessionSummary,
} from './start-session.js';

/**
 * Best of K (#16): K sibling sessions on one task and one base commit, each in its own worktree and
 * branch, on one model server. A sibling is an ordinary session whose plan carries `group` and its
 * own temperature; the group itself is only a projection over its siblings (api/group-projection.ts).
 * The first sibling to pass wins: the others are stopped (their runs end `cancelled`, their work kept
 * for review). A group that lost its process is continued by `resumeGroup`.
 */
function newGroupId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(2, 12);
  return `g${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}

/** K prepared siblings through the normal path (each its own session id), sharing sibling 1's repository snapshot. */
export async function prepareGroup(request: SessionRequest, size: number): Promise<PreparedSession[]> {
  if (!Number.isInteger(size) || size < 2 || size > 8) throw new FactoryError('BAD_USAGE', `--best-of must be 1 to 8, got ${size}.`);
  const groupId = newGroupId();
  // Prepared once (repository, config, trust, task): the siblings differ only in id and temperature,
  // and preparing K times cost K × the git calls and file reads before any worktree (bench/best-of.ts).
  const prepared = await prepareSession(request);
  const sharedPreflight = new SharedPreflight();
  const root = prepared.repo?.root;
  let status: Promise<string[]> | undefined;
  const uncommitted = root === undefined ? undefined : () => (status ??= uncommittedPaths(root));
  const siblings: PreparedSession[] = [];
  for (let index = 0; index < size; index++) {
    siblings.push({
      ...prepared,
      sharedPreflight,
      uncommitted,
      plan: {
        ...prepared.plan,
        id: index === 0 ? prepared.plan.id : uniqueId(prepared, siblings),
        limits: { ...prepared.plan.limits, temperature: siblingTemperature(index, size, prepared.plan.limits.temperature) },
        group: { id: groupId, index, size },
      },
    });
  }
  return siblings;
}

/** Another id for a sibling, never one an earlier sibling has (launchSession draws again if one is taken on disk). */
function uniqueId(prepared: PreparedSession, siblings: readonly PreparedSession[]): string {
  let id = prepared.nextId();
  // (A test's fixed id source may repeat itself: a few tries, then claimSessionId draws again.)
  for (let tries = 0; tries < 8 && siblings.some((s) => s.plan.id === id); tries++) id = prepared.nextId();
  return id;
}

/**
 * Runs sibling starters at once; as soon as one returns `passed`, the others are aborted. The
 * caller's signal stops them all. Summaries come back in sibling order.
 */
export async function raceSiblings(
  starters: ReadonlyArray<(signal: AbortSignal) => Promise<SessionSummary>>,
  signal: AbortSignal,
): Promise<SessionSummary[]> {
  const controllers = starters.map(() => new AbortController());
  const stopAll = (): void => controllers.forEach((c) => c.abort());
  signal.addEventListener('abort', stopAll, { once: true });
  try {
    // allSettled: a sibling that fails to start never leaves the others running unwatched.
    const settled = await Promise.allSettled(
      starters.map(async (start, i) => {
        const summary = await start((controllers[i] as AbortController).signal);
        if (summary.state === 'passed') controllers.forEach((c, j) => j !== i && c.abort());
        return summary;
      }),
    );
    return settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
  } finally {
    signal.removeEventListener('abort', stopAll);
  }
}

export function launchGroup(siblings: readonly PreparedSession[], deps: LaunchDeps): Promise<SessionSummary[]> {
  return raceSiblings(
    siblings.map((p) => (signal: AbortSignal) => launchSession(p, { ...deps, signal })),
    deps.signal,
  );
}

/** The group as its siblings' rows say now. */
export function loadGroup(paths: AppPaths, groupId: string): GroupView {
  if (!isGroupId(groupId)) throw new FactoryError('SESSION_NOT_FOUND', `"${groupId}" is not a group id.`);
  const rows = loadAllSessions(paths).sessions.filter((r) => r.group?.id === groupId);
  if (rows.length === 0)
    throw new FactoryError('SESSION_NOT_FOUND', `No group ${groupId} in ${paths.sessions}. \`mlx-factory sessions list\` shows them.`);
  return groupView(rows);
}

/** `sessions merge GROUP`: the winner's id, or a refusal that says why there is none. */
export function groupWinner(paths: AppPaths, groupId: string): string {
  const group = loadGroup(paths, groupId);
  if (group.winner !== null) return group.winner;
  throw new FactoryError(
    'NOTHING_TO_MERGE',
    group.state === 'running'
      ? `Group ${groupId} is still running: no sibling has passed yet.`
      : `No sibling of group ${groupId} passed (${group.siblings.map((s) => `${s.id} ${s.state}`).join(', ')}); merge one by its session id if you want it anyway.`,
  );
}

/** Discarding a group discards every sibling not yet discarded; returns the ids discarded now. */
export async function discardGroup(paths: AppPaths, groupId: string): Promise<string[]> {
  const group = loadGroup(paths, groupId);
  const running = group.siblings.filter((s) => s.state === 'running');
  if (running.length > 0)
    throw new FactoryError('SESSION_RUNNING', `Group ${groupId} is still running (${running.map((s) => s.id).join(', ')}); stop it first.`);
  const discarded: string[] = [];
  for (const sibling of group.siblings) {
    if (sibling.state === 'discarded') continue;
    await discardSession(paths, sibling.id);
    discarded.push(sibling.id);
  }
  return discarded;
}

const RESUMABLE = new Set(['interrupted', 'cancelled', 'error', 'timeout']);

/**
 * Which siblings resuming a group continues: every one that stopped before the group ended (its
 * process died, or it was cancelled). None when the group already has a winner; a refusal when it is
 * still running or nothing can go on. The CLI's `sessions resume GROUP` and the app's Resume on a
 * sibling (src/host/session-runner.ts) both ask this, then race the siblings with `raceSiblings`.
 */
export function siblingsToResume(paths: AppPaths, groupId: string): { group: GroupView; ids: string[] } {
  reconcileSessions(paths);
  const group = loadGroup(paths, groupId);
  if (group.state === 'running')
    throw new FactoryError('SESSION_RUNNING', `Group ${groupId} is still running; it cannot be resumed twice.`);
  if (group.winner !== null) return { group, ids: [] };
  const ids = group.siblings.filter((s) => RESUMABLE.has(s.state)).map((s) => s.id);
  if (ids.length === 0) {
    throw new FactoryError('SESSION_NOT_RESUMABLE', `Group ${groupId} is ${group.state}: no sibling can be continued.`);
  }
  return { group, ids };
}

/**
 * Continues a group that stopped before it ended: every sibling that can go on is resumed at once,
 * and the first to pass stops the others. A group that already has a winner has nothing to continue.
 */
export async function resumeGroup(paths: AppPaths, groupId: string, deps: LaunchDeps): Promise<{ group: GroupView; resumed: string[] }> {
  const { group, ids } = siblingsToResume(paths, groupId);
  if (ids.length === 0) return { group, resumed: [] };
  await raceSiblings(
    ids.map((id) => (signal: AbortSignal) => resumeSession(paths, id, { ...deps, signal })),
    deps.signal,
  );
  return { group: loadGroup(paths, groupId), resumed: ids };
}
