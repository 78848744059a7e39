// Sessions rebuilt from their event logs (pure): state, steps on the branch after rollbacks, merges,
// interrupted detection, and the attempt loop's memory for resume.
import { describe, expect, it } from 'vitest';
import type { SessionEvent, SessionEventPayload } from '../../src/api/events.js';
import { projectAll, withLiveness } from '../../src/api/session-projection.js';
import { loopMemory } from '../../src/sessions/loop-state.js';

const rebuildLoopState = (events: readonly SessionEvent[]) => loopMemory(projectAll(events));
const tokensSpent = (events: readonly SessionEvent[]) => projectAll(events).tokens;
/** `pid`: the one an old meta.json recorded (logs of that time carry none). */
const rebuildSession = (events: readonly SessionEvent[], pid: number | null, alive: (pid: number) => boolean) => {
  const session = projectAll(events);
  return withLiveness(session, alive, pid ?? session.pid);
};

function log(...payloads: SessionEventPayload[]): SessionEvent[] {
  return payloads.map(
    (p, i) => ({ ...p, session: 's1', seq: i + 1, time: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` }) as SessionEvent,
  );
}

const created: SessionEventPayload = {
  type: 'session.created',
  task: { name: 'T', description: 'do it', constraints: [], check: 'python3 main.py', files: ['spec.md'] },
  repo: '/repo',
  worktree: '/wt',
  branch: 'factory/t-s1',
  baseCommit: 'base',
  baseBranch: 'main',
  uncommittedNotIncluded: [],
  limits: { maxAttempts: 5, executionTimeout: 30, llmTimeout: 120, totalTokenBudget: 1000, maxPromptTokens: 6000 },
};
const turn = (
  attempt: number,
  persona: 'coder' | 'sheriff',
  content: string,
  usage: { promptTokens: number; completionTokens: number } | null,
): SessionEventPayload[] => [
  { type: 'turn.started', attempt, persona, estimatedPromptTokens: 50, trimmed: [] },
  { type: 'turn.finished', attempt, persona, content, usage, durationMs: 10 },
];
const exec = (attempt: number, exitCode: number, output: string): SessionEventPayload => ({
  type: 'exec.finished',
  attempt,
  exitCode,
  signal: null,
  timedOut: false,
  durationMs: 5,
  output,
  totalBytes: output.length,
  truncated: false,
});

const interruptedRun = log(
  created,
  { type: 'attempt.started', attempt: 1 },
  ...turn(1, 'coder', 'reply one', { promptTokens: 100, completionTokens: 20 }),
  { type: 'commit', attempt: 1, step: 1, sha: 'c1', files: ['main.py'] },
  exec(1, 1, 'Traceback\nZeroDivisionError: division by zero\n'),
  ...turn(1, 'sheriff', 'VERDICT: FAIL', { promptTokens: 80, completionTokens: 5 }),
  { type: 'verdict', attempt: 1, verdict: 'FAIL', passed: false, feedback: 'Division by zero.\nUse 2.' },
  { type: 'attempt.started', attempt: 2 },
  ...turn(2, 'coder', 'reply two', null),
  { type: 'commit', attempt: 2, step: 2, sha: 'c2', files: ['main.py', 'util.py'] },
  { type: 'turn.started', attempt: 2, persona: 'sheriff', estimatedPromptTokens: 70, trimmed: [] },
);

describe('rebuildSession', () => {
  it('reads a finished run, then its rollback (dropped steps leave the branch) and merge', () => {
    const events = log(
      created,
      { type: 'commit', attempt: 1, step: 1, sha: 'c1', files: ['a'] },
      { type: 'commit', attempt: 1, step: 2, sha: 'c2', files: ['b'] },
      { type: 'commit', attempt: 2, step: 3, sha: 'c3', files: ['c'] },
      { type: 'session.finished', status: 'failed', reason: 'no', attempts: 2, tokens: { prompt: 5, completion: 6 }, headCommit: 'c3' },
      { type: 'rollback', toStep: 1, toCommit: 'c1', fromCommit: 'c3', archiveRef: 'refs/factory/s1/rollback/1', wipRef: null },
    );
    const r = rebuildSession(events, null, () => false);
    expect(r).toMatchObject({ state: 'failed', attempts: 2, headCommit: 'c1', currentSteps: [1], tokens: { prompt: 5, completion: 6 } });
    expect(r.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    const restored = rebuildSession(
      log(
        ...events.map(({ session: _s, seq: _q, time: _t, ...p }) => p as SessionEventPayload),
        { type: 'rollback', toStep: 3, toCommit: 'c3', fromCommit: 'c1', archiveRef: 'r2', wipRef: null },
        {
          type: 'merge',
          target: 'main',
          targetBefore: 'm0',
          targetAfter: 'm1',
          sessionHead: 'c3',
          base: 'base',
          squash: true,
          files: ['a'],
          checkout: null,
          worktreeRemoved: false,
        },
      ),
      null,
      () => false,
    );
    expect(restored).toMatchObject({ state: 'merged', currentSteps: [1, 2, 3], headCommit: 'c3' });
    expect(restored.merges).toHaveLength(1);
  });

  it('is running while its process lives, interrupted once it is gone', () => {
    expect(rebuildSession(interruptedRun, 42, (pid) => pid === 42)).toMatchObject({ state: 'running', pid: 42 });
    const gone = rebuildSession(interruptedRun, 42, () => false);
    expect(gone).toMatchObject({ state: 'interrupted', pid: null, attempts: 2, headCommit: 'c2', currentSteps: [1, 2] });
    expect(gone.reason).toContain('pid 42');
    expect(rebuildSession(interruptedRun, null, () => true).state).toBe('interrupted');
  });
});

describe('rebuildLoopState', () => {
  it('redoes the cut-off attempt with the memory of the ones done', () => {
    const state = rebuildLoopState(interruptedRun);
    expect(state).toMatchObject({
      attemptsDone: 1,
      stepsDone: 2,
      history: ['Attempt 1: edited main.py; check exited 1 (ZeroDivisionError: division by zero); Sheriff FAIL'],
      feedback: 'Division by zero.\nUse 2.',
      failureTail: 'Traceback\nZeroDivisionError: division by zero\n',
      filesInPlay: ['spec.md', 'main.py', 'util.py'],
      editedFiles: ['main.py', 'util.py'],
      lastCoderReply: 'reply one',
      passedAttempt: null,
    });
  });

  it('counts tokens as the budget does: usage, else estimates, and the prompt of a cut-off turn', () => {
    // 100 + 80 reported, 50 estimated (no usage), 70 for the Sheriff turn that never finished.
    expect(tokensSpent(interruptedRun)).toEqual({ prompt: 100 + 80 + 50 + 70, completion: 20 + 5 + Math.ceil('reply two'.length / 4) });
  });

  it('treats an attempt followed by another as done (no usable edit), and notices a pass that was never recorded', () => {
    const noEdit = log(created, { type: 'attempt.started', attempt: 1 }, ...turn(1, 'coder', 'chat', null), {
      type: 'attempt.started',
      attempt: 2,
    });
    expect(rebuildLoopState(noEdit)).toMatchObject({ attemptsDone: 1, history: ['Attempt 1: no usable edit.'] });
    const passed = log(
      created,
      { type: 'attempt.started', attempt: 1 },
      { type: 'verdict', attempt: 1, verdict: 'PASS', passed: true, feedback: '' },
    );
    expect(rebuildLoopState(passed)).toMatchObject({ attemptsDone: 1, passedAttempt: 1, history: [] });
  });

  it('after a resume, the restarted attempt forgets its first try but keeps its committed steps', () => {
    const resumed = log(
      ...interruptedRun.map(({ session: _s, seq: _q, time: _t, ...p }) => p as SessionEventPayload),
      { type: 'session.resumed', pid: 1, fromAttempt: 2, fromStep: 2, worktreeRestored: false, droppedRef: null },
      { type: 'attempt.started', attempt: 2 },
      ...turn(2, 'coder', 'reply two again', null),
    );
    const state = rebuildLoopState(resumed);
    expect(state.attemptsDone).toBe(1);
    expect(state.lastCoderReply).toBe('reply one');
  });
});
