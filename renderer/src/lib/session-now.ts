import type { SessionInfo } from '../../../src/api/payloads.js';
import type { Session } from '../../../src/api/session-projection.js';
import { sessionRow } from '../../../src/api/session-row.js';

/**
 * The open session's row as of the newest event this window has: the host's row (list, popover) and
 * the transcript's own projection of the streamed events are the same projection, so the one with
 * the later seq wins. Only the host can tell that a session's process died: its "not running" stands.
 */
export function sessionNow(info: SessionInfo, local: Session | null | undefined): SessionInfo {
  if (local == null || local.id !== info.id || local.lastSeq < info.lastSeq) return info;
  const row = sessionRow(local);
  if (row.state === 'running' && info.state !== 'running')
    return { ...info, ...row, state: info.state, reason: info.reason, turn: null, pid: null, live: info.live, archived: info.archived };
  return { ...info, ...row, live: info.live, archived: info.archived };
}
