import type { SessionInfo } from '../../../src/api/payloads.js';
import type { SessionState } from '../../../src/api/session-status.js';

/** The session list's filter chips and search. */
export type SessionGroup = 'all' | 'running' | 'review' | 'failed' | 'closed';

export const SESSION_GROUPS: ReadonlyArray<{ readonly id: SessionGroup; readonly label: string }> = [
  { id: 'all', label: 'All' },
  { id: 'running', label: 'Running' },
  { id: 'review', label: 'Review' },
  { id: 'failed', label: 'Failed' },
  { id: 'closed', label: 'Closed' },
];

const GROUP_OF: Record<SessionState, Exclude<SessionGroup, 'all'>> = {
  running: 'running',
  passed: 'review',
  interrupted: 'failed',
  failed: 'failed',
  stagnated: 'failed',
  budget_exhausted: 'failed',
  timeout: 'failed',
  cancelled: 'failed',
  error: 'failed',
  merged: 'closed',
  discarded: 'closed',
};

export function groupOf(state: SessionState): Exclude<SessionGroup, 'all'> {
  return GROUP_OF[state];
}

export function filterSessions(sessions: readonly SessionInfo[], group: SessionGroup, query: string): SessionInfo[] {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  return sessions.filter((session) => {
    if (group !== 'all' && groupOf(session.state) !== group) return false;
    if (words.length === 0) return true;
    const haystack = `${session.name} ${session.branch} ${session.repo} ${session.id} ${session.state}`.toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

export function countByGroup(sessions: readonly SessionInfo[]): Record<SessionGroup, number> {
  const counts: Record<SessionGroup, number> = { all: sessions.length, running: 0, review: 0, failed: 0, closed: 0 };
  for (const session of sessions) counts[groupOf(session.state)]++;
  return counts;
}

/** Newest first; running sessions are not moved, so rows do not jump while you read. */
export function sortSessions(sessions: readonly SessionInfo[]): SessionInfo[] {
  return [...sessions].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}
