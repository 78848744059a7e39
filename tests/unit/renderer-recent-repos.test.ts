import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../src/api/payloads.js';
import { recentRepos, selectedRepo } from '../../renderer/src/lib/recent-repos.js';
import { serverMemory } from '../../renderer/src/lib/server-summary.js';

describe('New session: recent repositories and the prefill', () => {
  it('lists each repository once, newest session first, at most five', () => {
    const sessions = [
      { repo: '/a', createdAt: '2026-01-01T00:00:00Z' },
      { repo: '/b', createdAt: '2026-01-03T00:00:00Z' },
      { repo: '/a', createdAt: '2026-01-04T00:00:00Z' },
      { repo: '', createdAt: '2026-01-05T00:00:00Z' },
      ...['/c', '/d', '/e', '/f'].map((repo, i) => ({ repo, createdAt: `2026-01-0${i + 1}T12:00:00Z` })),
    ];
    expect(recentRepos(sessions)).toEqual(['/f', '/a', '/e', '/b', '/d']);
    expect(recentRepos([])).toEqual([]);
  });

  it('prefills the repository of the session open in the dashboard', () => {
    expect(selectedRepo('s1', { s1: { repo: '/r' } })).toBe('/r');
    expect(selectedRepo(null, { s1: { repo: '/r' } })).toBeNull();
    expect(selectedRepo('gone', {})).toBeNull();
  });
});

describe('the model server’s memory line', () => {
  const sample = { time: 't', server: null, system: { totalBytes: 8, availableBytes: 4, source: 'os' as const }, app: { rssBytes: 1 } };
  const status = (state: 'adopted' | 'stopped', owned: boolean): ServerStatus => ({
    state,
    previous: state,
    detail: '',
    url: null,
    port: null,
    pid: null,
    model: 'm',
    owned,
    restarts: 0,
    logTail: [],
  });
  it('says "external — not measured" for a server we do not own and "stopped" when nothing runs', () => {
    expect(serverMemory(status('adopted', false), sample).text).toBe('external — not measured');
    expect(serverMemory(status('stopped', false), sample).text).toBe('stopped');
  });
});
