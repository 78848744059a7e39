import type { BulkResult, WorktreeUsage } from '../api/payloads.js';
import { toFactoryError } from '../errors/factory-error.js';
import type { FactoryHost } from './factory-host.js';
import { listSessions } from './session-views.js';
import { worktreeDiskUsage } from './worktree-disk-usage.js';

/**
 * Cleanup across sessions: discard many (one at a time — each takes the repository's lock — and
 * each reported on its own, so one refusal does not stop the rest), and the disk their worktrees
 * take. A session this host is running is refused, as for a single discard.
 */
export async function discardMany(host: FactoryHost, ids: readonly string[]): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const id of new Set(ids)) {
    if (host.sessions.runsHere(id)) {
      results.push({ id, ok: false, archiveRef: null, error: { code: 'SESSION_RUNNING', message: 'It is running: stop it first.' } });
      continue;
    }
    try {
      const { archiveRef } = await host.worktrees.write(id, () => host.ops.discard(host.paths, id), 'discarded');
      results.push({ id, ok: true, archiveRef, error: null });
      host.global.emit({ type: 'session.updated', info: host.sessionInfo(id) });
    } catch (error) {
      const typed = toFactoryError(error);
      results.push({ id, ok: false, archiveRef: null, error: { code: typed.code, message: typed.message } });
    }
  }
  return results;
}

export async function sessionsDiskUsage(
  host: FactoryHost,
  ids: readonly string[] | undefined,
): Promise<{ sessions: WorktreeUsage[]; totalBytes: number }> {
  const wanted = ids === undefined ? null : new Set(ids);
  const sessions = listSessions(host.paths, (id) => host.sessions.runsHere(id)).filter((s) => wanted === null || wanted.has(s.id));
  const usage: WorktreeUsage[] = [];
  // One walk at a time: the host stays responsive, and the disk is not thrashed.
  for (const session of sessions) {
    const measured = await worktreeDiskUsage(session.worktree);
    usage.push({ id: session.id, worktree: session.worktree, ...measured });
  }
  return { sessions: usage, totalBytes: usage.reduce((sum, s) => sum + s.bytes, 0) };
}
