import { describe, expect, it } from 'vitest';
import type { FileChange, MemorySample, MergePreview, RepoStatus, SessionInfo } from '../../src/api/payloads.js';
import { diffstatBoxes, sortChanges, statusLetter, summarizeChanges } from '../../renderer/src/lib/diff-stats.js';
import { baseName, formatAge, formatBytes, formatDuration, formatTokens } from '../../renderer/src/lib/display-format.js';
import { areaPath, linePath, memorySeries, niceCeiling } from '../../renderer/src/lib/memory-series.js';
import { describeDiscard, describeMerge, describeRollback, previewHeadline } from '../../renderer/src/lib/merge-summary.js';
import { validateNewSession } from '../../renderer/src/lib/new-session-form.js';
import { formatRoute, parseRoute } from '../../renderer/src/lib/route.js';
import { countByGroup, filterSessions } from '../../renderer/src/lib/session-filter.js';
import { sessionInfoFixture } from '../support/session-info-fixture.js';

const change = (path: string, status: FileChange['status'], additions: number | null, deletions: number | null): FileChange => ({
  path,
  oldPath: null,
  status,
  additions,
  deletions,
  binary: additions === null,
});

function session(over: Partial<SessionInfo> = {}): SessionInfo {
  return sessionInfoFixture('fix-1', {
    name: 'Fix the parser',
    title: 'Fix the parser',
    repo: '/Users/me/code/app',
    worktree: '/home/.mlxf/worktrees/app/fix-1',
    branch: 'factory/fix-1',
    baseCommit: 'abcdef1234567890',
    updatedAt: '2026-01-01T10:05:00.000Z',
    attempts: 2,
    totalAttempts: 2,
    tokens: { prompt: 100, completion: 50 },
    totalTokens: { prompt: 100, completion: 50 },
    headCommit: '1234567abcdef',
    ...over,
  });
}

describe('diff stats', () => {
  it('counts files by status and lines', () => {
    const files = [
      change('b.py', 'modified', 3, 1),
      change('a.py', 'added', 10, 0),
      change('img.png', 'added', null, null),
      change('old.py', 'deleted', 0, 7),
    ];
    expect(summarizeChanges(files)).toEqual({
      files: 4,
      added: 2,
      modified: 1,
      deleted: 1,
      renamed: 0,
      additions: 13,
      deletions: 8,
      binary: 1,
    });
    expect(sortChanges(files).map((f) => f.path)).toEqual(['a.py', 'b.py', 'img.png', 'old.py']);
    expect(statusLetter('renamed')).toBe('R');
  });

  it('draws a five-box diffstat', () => {
    expect(diffstatBoxes(0, 0)).toEqual({ add: 0, del: 0, none: 5 });
    expect(diffstatBoxes(1000, 0)).toEqual({ add: 5, del: 0, none: 0 });
    const mixed = diffstatBoxes(3, 3);
    expect(mixed.add + mixed.del + mixed.none).toBe(5);
    expect(mixed.add).toBe(mixed.del);
  });
});

describe('display formats', () => {
  it('writes sizes, tokens, durations and ages', () => {
    expect(formatBytes(4.5 * 1024 ** 3)).toBe('4.5 GB');
    expect(formatBytes(16 * 1024 ** 3)).toBe('16 GB');
    expect(formatBytes(300 * 1024 ** 2)).toBe('300 MB');
    expect(formatBytes(null)).toBe('—');
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(2140)).toBe('2.1k');
    expect(formatTokens(100_000)).toBe('100k');
    expect(formatDuration(573)).toBe('573 ms');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatAge('2026-01-01T11:59:40Z', now)).toBe('just now');
    expect(formatAge('2026-01-01T11:30:00Z', now)).toBe('30 min');
    expect(formatAge('2025-12-30T12:00:00Z', now)).toBe('2 d');
    expect(baseName('/Users/me/code/app/')).toBe('app');
  });
});

describe('session filter', () => {
  const list = [
    session({ id: 'a', state: 'running', name: 'Add login' }),
    session({ id: 'b', state: 'passed' }),
    session({ id: 'c', state: 'stagnated' }),
    session({ id: 'd', state: 'merged', branch: 'factory/login-d' }),
  ];
  it('groups states and searches names, branches and repos', () => {
    expect(filterSessions(list, 'running', '').map((s) => s.id)).toEqual(['a']);
    expect(filterSessions(list, 'failed', '').map((s) => s.id)).toEqual(['c']);
    expect(filterSessions(list, 'all', 'login').map((s) => s.id)).toEqual(['a', 'd']);
    expect(filterSessions(list, 'closed', 'LOGIN').map((s) => s.id)).toEqual(['d']);
    expect(countByGroup(list)).toEqual({ all: 4, running: 1, review: 1, failed: 1, closed: 1 });
  });
});

describe('memory series', () => {
  const sample = (seconds: number, server: number | null): MemorySample => ({
    time: new Date(Date.parse('2026-01-01T12:00:00Z') + seconds * 1000).toISOString(),
    server: server === null ? null : { pids: [1], bytes: server, source: 'proc-rss' },
    system: { totalBytes: 16 * 1024 ** 3, availableBytes: 10 * 1024 ** 3, source: 'proc-meminfo' },
    app: { rssBytes: 200 * 1024 ** 2 },
  });
  it('keeps the window, computes used memory, and breaks lines over gaps', () => {
    const now = Date.parse('2026-01-01T12:05:00Z');
    const samples = [sample(-600, 1e9), sample(0, 4e9), sample(5, 4e9), sample(200, null), sample(280, 5e9)];
    const series = memorySeries(samples, 5 * 60_000, now);
    expect(series.system).toHaveLength(4);
    expect(series.system[0]?.bytes).toBe(6 * 1024 ** 3);
    expect(series.server.map((p) => p.bytes)).toEqual([4e9, 4e9, 5e9]);
    const area = { width: 300, height: 100, from: series.from, to: series.to, maxBytes: niceCeiling(series.maxBytes) };
    const d = linePath(series.server, area);
    expect(d.match(/M/g)).toHaveLength(2); // the 275 s without a server sample is a gap
    expect(areaPath(series.server, area).match(/Z/g)).toHaveLength(2);
  });
  it('picks round axis tops', () => {
    expect(niceCeiling(6 * 1024 ** 3)).toBe(8 * 1024 ** 3);
    expect(niceCeiling(14 * 1024 ** 3)).toBe(20 * 1024 ** 3);
    expect(niceCeiling(300 * 1024 ** 2)).toBe(400 * 1024 ** 2);
  });
});

describe('merge, discard and rollback confirmations', () => {
  const preview: MergePreview = {
    canMerge: true,
    baseBranch: 'main',
    conflicts: [],
    blockedBy: [],
    upToDate: false,
    files: [change('a.py', 'modified', 1, 1)],
    message: 'Squash-merges 1 file into main.',
    baseHead: 'a'.repeat(40),
    sessionHead: 'b'.repeat(40),
  };
  const checkout = (branch: string | null): RepoStatus => ({
    path: '/Users/me/code/app',
    kind: 'repo',
    root: '/Users/me/code/app',
    branch,
    headCommit: 'x',
    uncommitted: [],
    message: '',
  });

  it('says which branch gets what, and whether the checkout changes', () => {
    const squash = describeMerge(session(), preview, true, checkout('main'));
    expect(squash.title).toBe('Squash-merge into main?');
    expect(squash.lines[0]).toContain('Creates one commit on main with the 1 changed file of factory/fix-1');
    expect(squash.lines[1]).toContain('Your checkout at /Users/me/code/app has main checked out');
    const merge = describeMerge(session(), preview, false, checkout('feature'));
    expect(merge.lines[0]).toContain('merge commit');
    expect(merge.lines[1]).toBe('Only the branch main moves; nothing in your checkout at /Users/me/code/app changes (it is on feature).');
  });

  it('names the worktree and branch a discard removes, and what a rollback drops', () => {
    const discard = describeDiscard(session());
    expect(discard.destructive).toBe(true);
    expect(discard.lines[0]).toBe('Removes the worktree at /home/.mlxf/worktrees/app/fix-1 and deletes the branch factory/fix-1.');
    const rollback = describeRollback(session(), 1, 'fedcba9876', 2);
    expect(rollback.lines[0]).toBe('Moves factory/fix-1 and its worktree back to step 1 (fedcba9).');
    expect(rollback.lines[1]).toContain('The 2 later commits are kept under a ref');
    expect(describeRollback(session(), 0, null, 3).lines[0]).toContain('the base commit abcdef1');
  });

  it('headlines the preview: conflicts first, then local changes in the way', () => {
    expect(previewHeadline(preview)).toEqual({ tone: 'success', text: 'Merges cleanly: 1 file.' });
    expect(previewHeadline({ ...preview, canMerge: false, conflicts: ['a.py', 'b.py'] }).text).toBe('2 files would conflict.');
    expect(previewHeadline({ ...preview, canMerge: false, blockedBy: ['a.py'] }).tone).toBe('warning');
    expect(previewHeadline({ ...preview, upToDate: true }).tone).toBe('neutral');
  });
});

describe('New session validation', () => {
  const fields = { folder: '', description: '', check: '', maxAttempts: '', timeoutSec: '', bestOf: '' };
  const repo: RepoStatus = { path: '/r', kind: 'repo', root: '/r', branch: 'main', headCommit: 'x', uncommitted: ['a.txt'], message: '' };
  it('asks for a task, a full path, a usable folder and sane limits', () => {
    expect(validateNewSession(fields, null).errors).toEqual({ description: 'Say what the Coder should do.' });
    const bad = validateNewSession({ ...fields, description: 'x', folder: 'relative', maxAttempts: '0', timeoutSec: 'soon' }, null).errors;
    expect(bad.folder).toContain('full path');
    expect(bad.maxAttempts).toBe('Max attempts must be between 1 and 100.');
    expect(bad.timeoutSec).toBe('The check timeout must be a whole number.');
    const notRepo: RepoStatus = { ...repo, kind: 'not-repo', root: null, message: '/x is not a git repository.' };
    expect(validateNewSession({ ...fields, description: 'x', folder: '/x' }, notRepo).errors.folder).toBe('/x is not a git repository.');
  });
  it('builds the request: the repo root, optional fields left out', () => {
    const { request } = validateNewSession(
      { ...fields, description: '  Add a flag ', folder: '/r/sub', maxAttempts: '3' },
      { ...repo, path: '/r/sub' },
    );
    expect(request).toEqual({
      description: 'Add a flag',
      repo: '/r',
      check: null,
      maxAttempts: 3,
      timeoutSec: undefined,
      testsFirst: false,
      bestOf: undefined,
    });
    expect(validateNewSession({ ...fields, description: 'x', bestOf: '4' }, null).request?.bestOf).toBe(4);
    expect(validateNewSession({ ...fields, description: 'x', bestOf: '9' }, null).errors.bestOf).toBe(
      'Parallel attempts must be between 1 and 8.',
    );
  });
  it('asks for a check command when tests come first, and says so in the request', () => {
    expect(validateNewSession({ ...fields, description: 'x' }, null, true).errors.check).toContain('Tests first needs the command');
    expect(validateNewSession({ ...fields, description: 'x', check: 'python -m pytest -q' }, null, true).request?.testsFirst).toBe(true);
    expect(validateNewSession({ ...fields, description: 'x' }, null).request?.repo).toBeNull();
  });
});

describe('routes', () => {
  it('reads the main process spelling and its own, and writes its own', () => {
    expect(parseRoute('#popover')).toEqual({ view: 'popover' });
    expect(parseRoute('#dashboard')).toEqual({ view: 'sessions', session: null, tab: 'transcript' });
    expect(parseRoute('#dashboard/session/fix%2D1')).toEqual({ view: 'sessions', session: 'fix-1', tab: 'transcript' });
    expect(parseRoute('#sessions/fix-1/diff')).toEqual({ view: 'sessions', session: 'fix-1', tab: 'diff' });
    expect(parseRoute('#/settings')).toEqual({ view: 'settings' });
    expect(parseRoute('')).toEqual({ view: 'sessions', session: null, tab: 'transcript' });
    expect(parseRoute('#nonsense')).toEqual({ view: 'sessions', session: null, tab: 'transcript' });
    for (const route of [parseRoute('#sessions/a b/diff'), parseRoute('#memory'), parseRoute('#popover')])
      expect(parseRoute(formatRoute(route))).toEqual(route);
  });
});
