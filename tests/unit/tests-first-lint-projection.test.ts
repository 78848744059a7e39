import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { projectAll } from '../../src/api/session-projection.js';
import { applyEvents, emptyTranscript } from '../../renderer/src/lib/transcript-reducer.js';
import { loopMemory } from '../../src/sessions/loop-state.js';

// #16 parts 2 and 3 in the one projection and the transcript: the kept tests, the step marks, the lint counts.
type Payload = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'session' | 'seq' | 'time'> : never) : never;

function log(payloads: Payload[]): SessionEvent[] {
  return payloads.map((p, i) => ({ ...p, session: 's1', seq: i + 1, time: new Date(0).toISOString() }) as SessionEvent);
}

const sha = (c: string) => c.repeat(40);
const events = log([
  {
    type: 'session.created',
    task: { name: 't', description: 'd', constraints: [], files: [] },
    repo: '/r',
    worktree: '/w',
    branch: 'factory/t-1',
    baseCommit: sha('a'),
    baseBranch: 'main',
    uncommittedNotIncluded: [],
    plan: {
      check: { kind: 'command', command: 'python3 test_calc.py' },
      limits: {
        maxAttempts: 5,
        executionTimeoutMs: 60_000,
        llmTimeoutMs: 120_000,
        maxTokensPerTurn: 8192,
        totalTokenBudget: 100_000,
        temperature: 0,
        stagnationThreshold: 3,
        maxPromptTokens: 6000,
      },
      sandbox: 'auto',
      testsFirst: true,
      lintOnEdit: true,
    },
  },
  { type: 'attempt.started', attempt: 1 },
  {
    type: 'tests.refused',
    attempt: 1,
    files: ['test_calc.py'],
    command: 'python3 test_calc.py',
    exitCode: 0,
    timedOut: false,
    durationMs: 30,
    output: 'ok\n',
    correction: 'it passes before any change, so it does not test the task',
  },
  { type: 'commit', attempt: 1, step: 1, sha: sha('b'), files: ['test_calc.py'] },
  {
    type: 'tests.kept',
    attempt: 1,
    step: 1,
    sha: sha('b'),
    files: ['test_calc.py'],
    command: 'python3 test_calc.py',
    exitCode: 1,
    timedOut: false,
    durationMs: 30,
    output: 'AssertionError: add(2, 3) = -1\n',
  },
  { type: 'lint.started', attempt: 1, files: ['calc.py'] },
  {
    type: 'lint.finished',
    attempt: 1,
    files: ['calc.py'],
    errors: [{ file: 'calc.py', tool: 'python3 -m py_compile', line: 2, message: "SyntaxError: '(' was never closed" }],
    skipped: [],
    durationMs: 80,
    correction: 'Your edit has a syntax error…',
  },
  { type: 'commit', attempt: 1, step: 2, sha: sha('c'), files: ['calc.py'] },
  { type: 'commit', attempt: 1, step: 3, sha: sha('d'), files: ['calc.py', 'test_calc.py'] },
]);

describe('tests first and lint in the projection', () => {
  it('holds the kept tests, marks the tests step and a later step that changes them, and counts lint corrections', () => {
    const s = projectAll(events);
    expect(s.tests).toMatchObject({ files: ['test_calc.py'], step: 1, exitCode: 1, output: 'AssertionError: add(2, 3) = -1\n' });
    expect(s.testsRefused).toBe(1);
    expect(s.steps.map((x) => [x.step, x.tests, x.testsChanged])).toEqual([
      [1, true, []],
      [2, false, []],
      [3, false, ['test_calc.py']],
    ]);
    expect(s.lint).toEqual({ runs: 1, corrections: 1 });
    expect(s.attempts).toBe(1);
    // Resume continues with the tests kept: the first attempt does not write them again.
    expect(loopMemory(s).keptTests).toEqual({
      files: ['test_calc.py'],
      exitCode: 1,
      timedOut: false,
      output: 'AssertionError: add(2, 3) = -1\n',
    });
  });

  it('shows a lint step and the tests notes in the transcript', () => {
    const t = applyEvents(emptyTranscript('s1'), events);
    const lint = t.items.filter((i) => i.kind === 'lint');
    expect(lint).toHaveLength(1);
    expect(lint[0]).toMatchObject({ attempt: 1, files: ['calc.py'], finished: { correction: 'Your edit has a syntax error…' } });
    const notes = t.items.filter((i) => i.kind === 'note').map((i) => (i.kind === 'note' ? i.text : ''));
    expect(notes.some((n) => n.startsWith('Tests refused: test_calc.py passed on the base'))).toBe(true);
    expect(notes.some((n) => n.startsWith('Acceptance tests kept as step 1'))).toBe(true);
  });
});
