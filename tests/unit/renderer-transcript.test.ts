import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { applyEvents, emptyTranscript, turnText, type Transcript, type TurnItem } from '../../renderer/src/lib/transcript-reducer.js';
import { TranscriptRowCache, FENCE_CHUNK_LINES, pathLine } from '../../renderer/src/lib/transcript-rows.js';

type Payload = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'session' | 'seq' | 'time'> : never) : never;

/** Numbers payloads as a session log would (seq from 1). */
function log(payloads: Payload[], from = 1): SessionEvent[] {
  return payloads.map((p, i) => ({ ...p, session: 's1', seq: from + i, time: new Date(0).toISOString() }) as SessionEvent);
}

const created: Payload = {
  type: 'session.created',
  task: { name: 't', description: 'd', constraints: [], check: 'true', files: [] },
  repo: '/r',
  worktree: '/w',
  branch: 'factory/t-1',
  baseCommit: 'a'.repeat(40),
  baseBranch: 'main',
  uncommittedNotIncluded: [],
  limits: { maxAttempts: 5, executionTimeout: 60, llmTimeout: 120, totalTokenBudget: 1000, maxPromptTokens: 6000 },
};

const turns = (t: Transcript): TurnItem[] => t.items.filter((i): i is TurnItem => i.kind === 'turn');

describe('the transcript reducer', () => {
  it('appends token deltas to the streaming turn and keeps the recorded reply at the end', () => {
    const events = log([
      created,
      { type: 'attempt.started', attempt: 1 },
      { type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 100, trimmed: [] },
      { type: 'token.delta', attempt: 1, persona: 'coder', text: 'Hel' },
      { type: 'token.delta', attempt: 1, persona: 'coder', text: 'lo' },
    ]);
    const streaming = applyEvents(emptyTranscript('s1'), events);
    expect(turns(streaming)[0]).toMatchObject({ streamed: 'Hello', streaming: true, final: null });
    expect(streaming.projection).toMatchObject({
      attempts: 1,
      turn: { attempt: 1, persona: 'coder' },
      plan: { limits: { maxAttempts: 5, totalTokenBudget: 1000 } },
    });
    const done = applyEvents(
      streaming,
      log(
        [
          {
            type: 'turn.finished',
            attempt: 1,
            persona: 'coder',
            content: 'Hello',
            usage: { promptTokens: 90, completionTokens: 2 },
            durationMs: 5,
          },
        ],
        6,
      ),
    );
    expect(turns(done)[0]).toMatchObject({ streamed: 'Hello', final: 'Hello', streaming: false });
    expect(done.projection?.tokens).toEqual({ prompt: 90, completion: 2 });
  });

  it('ignores events it has already applied (a replay overlapping live events)', () => {
    const events = log([
      created,
      { type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 1, trimmed: [] },
      { type: 'token.delta', attempt: 1, persona: 'coder', text: 'a' },
      { type: 'token.delta', attempt: 1, persona: 'coder', text: 'b' },
    ]);
    const once = applyEvents(emptyTranscript('s1'), events);
    const twice = applyEvents(once, events.slice(2));
    expect(turns(twice)[0]?.streamed).toBe('ab');
    expect(twice.ignored).toBe(2);
  });

  it('gives the same result whether events come in one batch or one per frame', () => {
    const events = log([
      created,
      { type: 'attempt.started', attempt: 1 },
      { type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 1, trimmed: [] },
      ...Array.from({ length: 200 }, (_, i): Payload => ({ type: 'token.delta', attempt: 1, persona: 'coder', text: `t${i} ` })),
      { type: 'turn.finished', attempt: 1, persona: 'coder', content: 'x', usage: null, durationMs: 1 },
      { type: 'commit', attempt: 1, step: 1, sha: 'b'.repeat(40), files: ['main.py'] },
      { type: 'exec.started', attempt: 1, command: 'python3 main.py', sandbox: 'bwrap' },
      { type: 'exec.output', attempt: 1, stream: 'stdout', chunk: 'ok\n' },
      {
        type: 'exec.finished',
        attempt: 1,
        exitCode: 0,
        signal: null,
        timedOut: false,
        durationMs: 10,
        output: 'ok\n',
        totalBytes: 3,
        truncated: false,
      },
      { type: 'verdict', attempt: 1, verdict: 'PASS', passed: true, feedback: 'fine' },
      {
        type: 'session.finished',
        status: 'passed',
        reason: 'done',
        attempts: 1,
        tokens: { prompt: 10, completion: 20 },
        headCommit: 'b'.repeat(40),
      },
    ]);
    const whole = applyEvents(emptyTranscript('s1'), events);
    let stepwise = emptyTranscript('s1');
    for (let i = 0; i < events.length; i += 7) stepwise = applyEvents(stepwise, events.slice(i, i + 7));
    expect(stepwise).toEqual(whole);
    expect(turns(whole)[0]?.streamed).toBe(Array.from({ length: 200 }, (_, i) => `t${i} `).join(''));
    expect(whole.items.map((i) => i.kind)).toEqual(['attempt', 'turn', 'commit', 'exec', 'verdict', 'finished']);
    expect(whole.projection?.outcome).toBe('passed');
    expect(whole.projection?.tokens).toEqual({ prompt: 10, completion: 20 });
  });

  it('keeps the Coder and the Sheriff of one attempt apart, and restarts a retried stream', () => {
    const t = applyEvents(
      emptyTranscript('s1'),
      log([
        { type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 1, trimmed: [] },
        { type: 'token.delta', attempt: 1, persona: 'coder', text: 'broken' },
        { type: 'turn.retry', attempt: 1, persona: 'coder', reason: 'stream dropped' },
        { type: 'token.delta', attempt: 1, persona: 'coder', text: 'code' },
        { type: 'turn.finished', attempt: 1, persona: 'coder', content: 'code', usage: null, durationMs: 1 },
        { type: 'turn.started', attempt: 1, persona: 'sheriff', estimatedPromptTokens: 1, trimmed: [] },
        { type: 'token.delta', attempt: 1, persona: 'sheriff', text: 'VERDICT: PASS' },
      ]),
    );
    expect(turns(t).map((x) => [x.persona, x.streamed, x.retries])).toEqual([
      ['coder', 'code', ['stream dropped']],
      ['sheriff', 'VERDICT: PASS', []],
    ]);
  });

  it('shows live check output, then what the host kept (head + tail) when it ends', () => {
    const running = applyEvents(
      emptyTranscript('s1'),
      log([
        { type: 'exec.started', attempt: 1, command: 'pytest', sandbox: 'none' },
        { type: 'exec.output', attempt: 1, stream: 'stdout', chunk: 'line 1\n' },
        { type: 'exec.output', attempt: 1, stream: 'stderr', chunk: 'line 2\n' },
      ]),
    );
    expect(running.items[0]).toMatchObject({ kind: 'exec', output: 'line 1\nline 2\n', finished: null });
    const done = applyEvents(
      running,
      log(
        [
          {
            type: 'exec.finished',
            attempt: 1,
            exitCode: 1,
            signal: null,
            timedOut: false,
            durationMs: 5,
            output: 'line 1\n…\nline 2\n',
            totalBytes: 99,
            truncated: true,
          },
        ],
        4,
      ),
    );
    expect(done.items[0]).toMatchObject({ output: 'line 1\n…\nline 2\n', finished: { exitCode: 1, truncated: true } });
  });

  it('turnText prefers the recorded reply', () => {
    const t = applyEvents(
      emptyTranscript('s1'),
      log([
        { type: 'token.delta', attempt: 2, persona: 'coder', text: 'x<|im_end|>' },
        { type: 'turn.finished', attempt: 2, persona: 'coder', content: 'x', usage: null, durationMs: 1 },
      ]),
    );
    const turn = turns(t)[0];
    expect(turn !== undefined && turnText(turn)).toBe('x');
  });
});

describe('transcript rows', () => {
  const streamOf = (text: string, seq = 1) =>
    applyEvents(
      emptyTranscript('s1'),
      log(
        [
          { type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 1, trimmed: [] },
          { type: 'token.delta', attempt: 1, persona: 'coder', text },
        ],
        seq,
      ),
    );

  it('cuts a long fence into chunks and titles it with the path line before it', () => {
    const body = Array.from({ length: FENCE_CHUNK_LINES * 2 + 5 }, (_, i) => `line ${i + 1}`).join('\n');
    const rows = new TranscriptRowCache().rows(streamOf(`Here:\n\nsrc/app.py\n\`\`\`python\n${body}\n\`\`\`\n`));
    const fences = rows.filter((r) => r.kind === 'fence');
    expect(fences).toHaveLength(3);
    expect(fences.map((f) => f.kind === 'fence' && [f.path, f.first, f.last, f.firstLine, f.lines.length])).toEqual([
      ['src/app.py', true, false, 1, FENCE_CHUNK_LINES],
      ['src/app.py', false, false, FENCE_CHUNK_LINES + 1, FENCE_CHUNK_LINES],
      ['src/app.py', false, true, FENCE_CHUNK_LINES * 2 + 1, 5],
    ]);
    // The path line is the fence's title, not a paragraph of its own.
    expect(rows.filter((r) => r.kind === 'block').map((r) => r.kind === 'block' && r.block)).toEqual([
      { type: 'paragraph', text: 'Here:' },
    ]);
  });

  it('reuses the rows that did not change while a reply grows', () => {
    const cache = new TranscriptRowCache();
    const lines = Array.from({ length: FENCE_CHUNK_LINES + 3 }, (_, i) => `x${i}`).join('\n');
    const before = cache.rows(streamOf(`\`\`\`\n${lines}`));
    const grown = applyEvents(
      streamOf(`\`\`\`\n${lines}`),
      log([{ type: 'token.delta', attempt: 1, persona: 'coder', text: '\nmore' }], 3),
    );
    const after = cache.rows(grown);
    expect(after[1]).toBe(before[1]); // the full first chunk: same object, no re-render
    expect(after[2]).not.toBe(before[2]); // the growing chunk changed
    expect(after[2]?.kind === 'fence' && after[2].growing).toBe(true);
  });

  it('recognises path lines', () => {
    const p = (text: string) => pathLine({ type: 'paragraph', text });
    expect([
      p('main.py'),
      p('`src/a.ts`'),
      p('**lib/x.py**:'),
      p('__init__.py'),
      p('Makefile/rules'),
      p('run it'),
      p('a.py and b.py'),
    ]).toEqual(['main.py', 'src/a.ts', 'lib/x.py', '__init__.py', 'Makefile/rules', null, null]);
  });
});
