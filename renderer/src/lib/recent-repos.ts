import type { SessionInfo } from '../../../src/api/payloads.js';

/** The repositories of the latest sessions, newest first, each once: New session's "Recent". */
export function recentRepos(sessions: readonly Pick<SessionInfo, 'repo' | 'createdAt'>[], limit = 5): string[] {
  const latest = new Map<string, string>();
  for (const s of sessions) {
    if (s.repo === '') continue;
    const seen = latest.get(s.repo);
    if (seen === undefined || s.createdAt > seen) latest.set(s.repo, s.createdAt);
  }
  return [...latest.entries()]
    .sort((a, b) => b[1].localeCompare(a[1]))
    .slice(0, limit)
    .map(([repo]) => repo);
}

/** The folder to prefill: the repository of the session open in the dashboard, if any. */
export function selectedRepo(sessionId: string | null, byId: Readonly<Record<string, Pick<SessionInfo, 'repo'>>>): string | null {
  if (sessionId === null) return null;
  const repo = byId[sessionId]?.repo ?? '';
  return repo === '' ? null : repo;
}
