// Attempt series (pure): a reply starts series N+1 — attempts, tokens and the loop's memory count
// afresh, earlier series reach the Coder as one line each, steps go on; "rolled back, not checked" is
// a flag that a verdict or a restore to a passed head clears; review comments go open → sent → resolved.
import { describe, expect, it } from 'vitest';
import type { SessionEvent, SessionEventPayload } from '../../src/api/events.js';
import { projectAll, withLiveness } from '../../src/api/session-projection.js';
import { earlierSeriesLines, planForSeries } from '../../src/sessions/attempt-series.js';
import { loopMemory } from '../../src/sessions/loop-state.js';
import { requestChangesInstruction } from '../../src/sessions/review-comments.js';

const rebuildLoopState = (events: readonly SessionEvent[]) => loopMemory(projectAll(events));
const rebuildSession = (events: readonly SessionEvent[], alive: (pid: number) => boolean = () => true) =>
  withLiveness(projectAll(events), alive);
const reviewComments = (events: readonly SessionEvent[]) => projectAll(events).comments;

function log(...payloads: SessionEventPayload[]): SessionEvent[] {
  return payloads.map(
    (p, i) => ({ ...p, session: 's1', seq: i + 1, time: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` }) as SessionEvent,
  );
}

const created: SessionEventPayload = {
  type: 'session.created',
  task: { name: 'T', description: 'Write main.py', constraints: [], check: 'python3 main.py', files: [] },
  repo: '/repo',
  worktree: '/wt',
  branch: 'factory/t-s1',
  baseCommit: 'base',
  baseBranch: 'main',
  uncommittedNotIncluded: [],
  limits: { maxAttempts: 3, executionTimeout: 30, llmTimeout: 120, totalTokenBudget: 1000, maxPromptTokens: 6000 },
};
const turn = (attempt: number, persona: 'coder' | 'sheriff', tokens: number): SessionEventPayload[] => [
  { type: 'turn.started', attempt, persona, estimatedPromptTokens: 50, trimmed: [] },
  {
    type: 'turn.finished',
    attempt,
    persona,
    content: `${persona} ${attempt}`,
    usage: { promptTokens: tokens, completionTokens: 10 },
    durationMs: 1,
  },
];
const attempt = (n: number, step: number, sha: string, passed: boolean): SessionEventPayload[] => [
  { type: 'attempt.started', attempt: n },
  ...turn(n, 'coder', 100),
  { type: 'commit', attempt: n, step, sha, files: ['main.py'] },
  {
    type: 'exec.finished',
    attempt: n,
    exitCode: passed ? 0 : 1,
    signal: null,
    timedOut: false,
    durationMs: 1,
    output: passed ? 'ok' : 'Boom',
    totalBytes: 2,
    truncated: false,
  },
  ...turn(n, 'sheriff', 50),
  { type: 'verdict', attempt: n, verdict: passed ? 'PASS' : 'FAIL', passed, feedback: passed ? 'good' : 'fix it' },
];
const finished = (attempts: number, head: string): SessionEventPayload => ({
  type: 'session.finished',
  status: 'passed',
  reason: 'ok',
  attempts,
  tokens: { prompt: 1, completion: 1 },
  headCommit: head,
});
const series = (n: number, instruction: string, fromStep: number, comments?: string[]): SessionEventPayload => ({
  type: 'series.started',
  series: n,
  instruction,
  fromStep,
  pid: 1,
  worktreeRestored: false,
  droppedRef: null,
  ...(comments ? { comments } : {}),
});

describe('attempt series', () => {
  const events = log(
    created,
    ...attempt(1, 1, 'c1', false),
    ...attempt(2, 2, 'c2', true),
    finished(2, 'c2'),
    series(2, 'Also print 2.', 2),
    ...attempt(1, 3, 'c3', false),
  );

  it('rebuilds the loop memory of the latest series only, with one line per earlier series first', () => {
    const loop = rebuildLoopState(events);
    expect(loop.attemptsDone).toBe(1);
    expect(loop.stepsDone).toBe(3);
    expect(loop.passedAttempt).toBeNull();
    expect(loop.history[0]).toBe('Earlier series 1 (the task): 2 attempt(s), passed; 2 step(s) editing main.py.');
    expect(loop.history.slice(1)).toEqual([expect.stringMatching(/^Attempt 1: edited main\.py; check exited 1 \(Boom\); Sheriff FAIL$/)]);
    expect(loop.feedback).toBe('fix it');
    // Tokens of this series only: 100 + 10 (coder) and 50 + 10 (sheriff).
    expect(loop.tokens).toEqual({ prompt: 150, completion: 20 });
  });

  it('counts attempts and tokens of the latest series in the record, steps of the whole session', () => {
    const record = rebuildSession(events);
    expect(record).toMatchObject({ series: 2, attempts: 1, currentSteps: [1, 2, 3] });
    expect(record.tokens).toEqual({ prompt: 150, completion: 20 });
  });

  it('gives the Coder the original task and the instruction, and keeps only the latest few series lines', () => {
    const projected = projectAll(events);
    expect(projected.series).toBe(2);
    const plan = planForSeries(
      {
        id: 's1',
        task: { name: 'T', description: 'Write main.py', constraints: [], check: null, files: [] },
        check: { kind: 'entry-file' },
        limits: {} as never,
        sandbox: 'auto',
        testsFirst: false,
        lintOnEdit: false,
      },
      projected,
    );
    expect(plan.task.description).toBe(
      'Write main.py\n\nFollow-up instruction from the user (round 2; the work so far is in the files below):\nAlso print 2.',
    );
    const many = log(created, ...Array.from({ length: 7 }, (_, i) => [series(i + 2, `round ${i + 2}`, 0)]).flat());
    const lines = earlierSeriesLines(projectAll(many));
    expect(lines).toHaveLength(4);
    expect(lines.at(-1)).toBe('Earlier series 7 ("round 7"): 0 attempt(s), did not finish; no edits.');
  });
});

describe('rolled back, not checked', () => {
  const base = [created, ...attempt(1, 1, 'c1', false), ...attempt(2, 2, 'c2', true), finished(2, 'c2')];
  const rollback = (toStep: number, toCommit: string, fromCommit: string): SessionEventPayload => ({
    type: 'rollback',
    toStep,
    toCommit,
    fromCommit,
    archiveRef: 'refs/factory/s1/rollback/1',
    wipRef: null,
  });

  it('is set by a rollback to a step no check passed on, and cleared by a restore to the passed head', () => {
    expect(rebuildSession(log(...base, rollback(1, 'c1', 'c2'))).rolledBackTo).toBe(1);
    expect(rebuildSession(log(...base, rollback(0, 'base', 'c2'))).rolledBackTo).toBe(0);
    expect(rebuildSession(log(...base, rollback(1, 'c1', 'c2'), rollback(2, 'c2', 'c1'))).rolledBackTo).toBeNull();
  });

  it('is cleared by the next verdict (a series continued from there)', () => {
    const record = rebuildSession(
      log(...base, rollback(1, 'c1', 'c2'), series(2, 'continue', 1), ...attempt(1, 3, 'c3', true), finished(1, 'c3')),
    );
    expect(record).toMatchObject({ rolledBackTo: null, state: 'passed', series: 2, currentSteps: [1, 3] });
  });
});

describe('review comments', () => {
  const comment = (id: string, line: number): SessionEventPayload => ({
    type: 'review.comment',
    commentId: id,
    file: 'main.py',
    startLine: line,
    endLine: line,
    quote: `line ${line}`,
    text: `fix ${line}`,
    headCommit: 'c2',
  });

  it('go open → sent with the series that carries them → resolved when it ends', () => {
    const open = log(created, ...attempt(1, 1, 'c1', true), finished(1, 'c1'), comment('a', 1), comment('b', 2));
    expect(reviewComments(open).map((c) => c.state)).toEqual(['open', 'open']);
    const sent = log(
      created,
      ...attempt(1, 1, 'c1', true),
      finished(1, 'c1'),
      comment('a', 1),
      comment('b', 2),
      series(2, 'x', 1, ['a', 'b']),
      { type: 'attempt.started', attempt: 1 },
    );
    expect(reviewComments(sent).map((c) => [c.state, c.series])).toEqual([
      ['sent', 2],
      ['sent', 2],
    ]);
    const done = log(
      ...sent.map(({ session: _s, seq: _q, time: _t, ...p }) => p as SessionEventPayload),
      finished(1, 'c1'),
      comment('c', 3),
    );
    expect(reviewComments(done).map((c) => [c.id, c.state])).toEqual([
      ['a', 'resolved'],
      ['b', 'resolved'],
      ['c', 'open'],
    ]);
  });

  it('reach the Coder with file, lines, the quoted code in a fence it cannot break, and the text', () => {
    const text = requestChangesInstruction([{ file: 'a.md', startLine: 3, endLine: 4, quote: '```\ncode\n```', text: 'Wrong.' }]);
    expect(text).toContain('1. a.md, lines 3–4:\n````\n```\ncode\n```\n````\nReview comment: Wrong.');
  });
});
