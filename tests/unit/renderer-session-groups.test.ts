import { describe, expect, it } from 'vitest';
import { sessionInfoFixture } from '../support/session-info-fixture.js';
import { cleanupCandidates, groupByRepo, sessionTitles, shortId } from '../../renderer/src/lib/session-groups.js';
import { stepOutcome } from '../../renderer/src/lib/step-outcome.js';

const session = sessionInfoFixture;

describe('groupByRepo', () => {
  it('groups by repository, the one with the newest session first, and names same-named folders by their parent', () => {
    const groups = groupByRepo([
      session('1', { repo: '/a/app', createdAt: '2026-01-01T10:00:00Z' }),
      session('2', { repo: '/b/app', createdAt: '2026-01-03T10:00:00Z' }),
      session('3', { repo: '/a/app', createdAt: '2026-01-02T10:00:00Z' }),
      session('4', { repo: '/c/tool', createdAt: '2026-01-01T09:00:00Z' }),
    ]);
    expect(groups.map((g) => [g.repo, g.label, g.sessions.map((s) => s.id)])).toEqual([
      ['/b/app', 'b/app', ['2']],
      ['/a/app', 'a/app', ['1', '3']],
      ['/c/tool', 'tool', ['4']],
    ]);
  });
});

describe('sessionTitles', () => {
  it('adds a short id only where titles collide', () => {
    const titles = sessionTitles([
      session('fix-it-2601011000-a1b2c3'),
      session('fix-it-2601011001-d4e5f6', { title: 'fix it ' }),
      session('other-1', { title: 'Other' }),
    ]);
    expect(titles['fix-it-2601011000-a1b2c3']).toEqual({ title: 'Fix it', suffix: 'a1b2c3' });
    expect(titles['fix-it-2601011001-d4e5f6']?.suffix).toBe('d4e5f6');
    expect(titles['other-1']?.suffix).toBeNull();
    expect(shortId('abc')).toBe('abc');
  });
});

describe('cleanupCandidates', () => {
  it('takes merged and failed sessions, never running or unmerged passed ones', () => {
    const ids = cleanupCandidates([
      session('m', { state: 'merged' }),
      session('f', { state: 'failed' }),
      session('c', { state: 'cancelled' }),
      session('p', { state: 'passed' }),
      session('r', { state: 'running', live: true }),
    ]).map((s) => s.id);
    expect(ids).toEqual(['m', 'f', 'c']);
  });
});

describe('stepOutcome', () => {
  it('says what the check and the Sheriff made of a step', () => {
    expect(stepOutcome({ check: { exitCode: 0, timedOut: false }, verdict: 'PASS', passed: true })).toMatchObject({
      label: 'exit 0 · PASS',
      tone: 'success',
    });
    expect(stepOutcome({ check: { exitCode: 1, timedOut: false }, verdict: 'FAIL', passed: false })).toMatchObject({
      label: 'exit 1 · FAIL',
      tone: 'danger',
    });
    expect(stepOutcome({ check: { exitCode: null, timedOut: true }, verdict: null, passed: null })).toMatchObject({
      label: 'timed out',
      tone: 'danger',
    });
    expect(stepOutcome({ check: null, verdict: null, passed: null })).toMatchObject({ label: 'not checked', tone: 'neutral' });
    expect(stepOutcome({ check: { exitCode: 0, timedOut: false }, verdict: 'missing', passed: false }).label).toBe('exit 0 · no verdict');
  });
});

describe('merge message', () => {
  it('takes the subject from the task without an ellipsis, the body from the rest and the steps', async () => {
    const { commitSubject, defaultMergeMessage } = await import('../../renderer/src/lib/merge-message.js');
    expect(commitSubject('Print the answer.\nIt is 42.')).toBe('Print the answer');
    const long = 'Write a parser for the configuration format that tolerates comments, trailing commas and unicode keys everywhere';
    const subject = commitSubject(long);
    expect(subject.length).toBeLessThanOrEqual(72);
    expect(long.startsWith(subject)).toBe(true);
    expect(subject).not.toMatch(/…|\.\.\.$/);
    const message = defaultMergeMessage(session('s-1', { title: long }), {
      session: session('s-1'),
      task: { name: 'x...', description: `${long}\nKeep it small.`, constraints: [], check: 'python3 t.py', files: [] },
      uncommittedNotIncluded: [],
      commits: [
        {
          step: 1,
          series: 1,
          attempt: 2,
          sha: 'abcdef1234',
          files: ['a.py'],
          check: { exitCode: 0, timedOut: false },
          verdict: 'PASS',
          passed: true,
          tests: false,
          testsChanged: [],
          label: null,
        },
      ],
      dropped: [],
      comments: [],
      viewed: {},
      lastVerdict: { series: 1, attempt: 2, verdict: 'PASS', passed: true, feedback: '' },
      seriesList: [],
      lastRollback: null,
      pullRequest: null,
      lastPush: null,
      server: null,
      tests: null,
      lint: { runs: 0, corrections: 0 },
      lastSeq: 9,
    });
    const lines = message.split('\n');
    expect(lines[0]).toBe(subject);
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe(long);
    expect(message).toContain('Keep it small.');
    expect(message).toContain('- Step 1 (attempt 2, abcdef1): a.py — exit 0 · PASS');
    expect(message).toContain('Check: python3 t.py');
    expect(defaultMergeMessage(session('s-2', { title: 'Print the answer.' }), null).split('\n')[0]).toBe('Print the answer');
  });
});
