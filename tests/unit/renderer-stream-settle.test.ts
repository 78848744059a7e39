import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { parseMarkdownBlocks, type MarkdownBlock } from '../../renderer/src/lib/markdown-blocks.js';
import { MAX_ITEMS_AFTER_TAIL, settleTranscript, type SettleMemo } from '../../renderer/src/lib/settled-transcript.js';
import { MAX_TAIL_CHARS, scanSettled, settledText, UNSCANNED } from '../../renderer/src/lib/stream-settle.js';
import { applyEvents, emptyTranscript, type Transcript } from '../../renderer/src/lib/transcript-reducer.js';
import { FENCE_CHUNK_LINES } from '../../renderer/src/lib/transcript-rows.js';

const code = (n: number): string => Array.from({ length: n }, (_, i) => `value_${i} = compute(${i})`).join('\n');
const REPLIES = [
  `I'll add **main.py** that sums the numbers.\n\nmain.py\n\`\`\`python\n${code(95)}\n\`\`\`\n\nRun it with \`python3 main.py\`.\n`,
  `Plan:\n- read the file\n- fix the divisor\n\n> quoted note\n\n# Heading\nText right before a fence\n~~~\n${code(3)}\n~~~\nafter\n`,
  `${'a long paragraph without any blank line '.repeat(120)}\nand more\n\n\`\`\`\nunclosed ${code(50)}`,
  `main.py\n\`\`\`\`python\n\`\`\`\nnot a close (shorter)\n\`\`\`\`\ndone\n`,
];

/** Splits text into pseudo-random chunks (the same for every run). */
function chunks(text: string, seed: number): string[] {
  const out: string[] = [];
  let i = 0;
  let s = seed;
  while (i < text.length) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (s % 37);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** The settled prefix's blocks are the final blocks, except that the last may still grow. */
function expectPrefixOf(settled: MarkdownBlock[], full: MarkdownBlock[]): void {
  settled.forEach((block, i) => {
    const final = full[i];
    if (i < settled.length - 1) return expect(block).toEqual(final);
    expect(block.type).toBe(final?.type);
    if (block.type === 'fence' && final?.type === 'fence') expect(final.lines.slice(0, block.lines.length)).toEqual(block.lines);
    else if (block.type === 'paragraph' && final?.type === 'paragraph') expect(final.text.startsWith(block.text)).toBe(true);
    else expect(block).toEqual(final);
  });
}

describe('the settled prefix of a streaming reply', () => {
  it.each(REPLIES.map((r, i) => [i, r] as const))('never changes what it has settled, whatever the chunks (reply %i)', (_i, reply) => {
    for (const seed of [1, 7, 42]) {
      let text = '';
      let scan = UNSCANNED;
      const full = parseMarkdownBlocks(reply);
      for (const chunk of chunks(reply, seed)) {
        text += chunk;
        const next = scanSettled(text, scan);
        expect(next.end).toBeGreaterThanOrEqual(scan.end);
        expect(next).toEqual(scanSettled(text)); // incremental = from scratch
        expect(next.end === 0 || text[next.end - 1] === '\n').toBe(true);
        // The tail stays small: at most MAX_TAIL_CHARS of complete lines, plus its last line, the one
        // still being written (a settle point is always a line start).
        const longestLine = Math.max(
          ...text
            .slice(next.end)
            .split('\n')
            .map((l) => l.length),
        );
        expect(text.length - next.end).toBeLessThanOrEqual(MAX_TAIL_CHARS + 2 * (longestLine + 1));
        expectPrefixOf(parseMarkdownBlocks(settledText(text, next)), full);
        scan = next;
      }
    }
  });

  it('settles at blank lines, before a fence, after it closes, and at every full fence chunk', () => {
    expect(scanSettled('para one\n\npara two').end).toBe('para one\n\n'.length);
    expect(scanSettled('intro\n```py\nx = 1\n').end).toBe('intro\n'.length);
    expect(scanSettled('```py\nx = 1\n```\nafter').end).toBe('```py\nx = 1\n```\n'.length);
    const fence = `\`\`\`py\n${code(FENCE_CHUNK_LINES + 5)}\n`;
    const scan = scanSettled(fence);
    expect(parseMarkdownBlocks(settledText(fence, scan))).toEqual([
      { type: 'fence', lang: 'py', lines: code(FENCE_CHUNK_LINES).split('\n'), closed: false },
    ]);
    expect(scan.endInFence).toBe(true);
  });
});

describe('the settled transcript', () => {
  const base = { session: 's1', time: new Date(0).toISOString() };
  let seq = 0;
  const ev = (payload: Record<string, unknown>): SessionEvent => ({ ...payload, ...base, seq: ++seq }) as SessionEvent;

  it('keeps its identity while only the open tail grows, and moves on when a block settles', () => {
    let transcript: Transcript = applyEvents(emptyTranscript('s1'), [
      ev({ type: 'attempt.started', attempt: 1 }),
      ev({ type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 10, trimmed: [] }),
    ]);
    let memo: SettleMemo | undefined;
    const step = (text: string): SettleMemo => {
      transcript = applyEvents(transcript, [ev({ type: 'token.delta', attempt: 1, persona: 'coder', text })]);
      memo = settleTranscript(transcript, memo);
      return memo;
    };
    const first = step('Hello ');
    expect(first.settled.tail).toMatchObject({ from: 0, code: false });
    expect(step('world').settled).toBe(first.settled); // same object: nothing for React to do
    const closed = step('.\n\nNext');
    expect(closed.settled).not.toBe(first.settled);
    expect(closed.settled.tail?.from).toBe('Hello world.\n\n'.length);
    const turn = closed.settled.transcript.items.at(-1);
    expect(turn?.kind === 'turn' && turn.streamed).toBe('Hello world.\n\n');
    // The full text is still what the store holds (the probe's token check reads it).
    const full = transcript.items.at(-1);
    expect(full?.kind === 'turn' && full.streamed).toBe('Hello world.\n\nNext');

    transcript = applyEvents(transcript, [
      ev({ type: 'turn.finished', attempt: 1, persona: 'coder', content: 'Hello world.\n\nNext', usage: null, durationMs: 5 }),
    ]);
    const done = settleTranscript(transcript, memo);
    expect(done.settled.tail).toBeNull();
    expect(done.settled.transcript).toBe(transcript);
  });

  it('still draws the reply as a tail when items were logged after it (a turn held back for memory)', () => {
    // The scheduler holds the turn after turn.started is logged, so its wait notices come after it.
    let transcript: Transcript = applyEvents(emptyTranscript('s1'), [
      ev({ type: 'attempt.started', attempt: 1 }),
      ev({ type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 10, trimmed: [] }),
      ev({ type: 'turn.queued', position: 0, running: 1, waiting: 1, reason: 'memory', message: '7 GB free' }),
      ev({ type: 'turn.queued', position: 0, running: 3, waiting: 1, reason: 'memory', message: '6 GB free' }),
    ]);
    let memo: SettleMemo | undefined;
    const step = (text: string): SettleMemo => {
      transcript = applyEvents(transcript, [ev({ type: 'token.delta', attempt: 1, persona: 'coder', text })]);
      memo = settleTranscript(transcript, memo);
      return memo;
    };
    const first = step('main.py\n```python\nx = 1\n');
    expect(first.settled.tail).toMatchObject({ after: 2, from: 'main.py\n'.length });
    expect(step('y = 2\n').settled).toBe(first.settled); // only the tail grew: nothing for React to do
    const items = first.settled.transcript.items;
    expect(items.map((item) => item.kind)).toEqual(['attempt', 'turn', 'note', 'note']);
    // The notices stay where the log has them (the same objects), after the reply cut to its settled text.
    expect(items.slice(2)).toEqual(transcript.items.slice(2));
    expect(items.slice(2).every((item, i) => item === transcript.items[i + 2])).toBe(true);
    const turn = items[1];
    expect(turn?.kind === 'turn' && turn.streamed).toBe('main.py\n');

    // Another notice: a new settled view, the tail continues where it was.
    transcript = applyEvents(transcript, [ev({ type: 'session.warning', message: 'disk nearly full' })]);
    memo = settleTranscript(transcript, memo);
    expect(memo.settled).not.toBe(first.settled);
    expect(memo.settled.tail).toMatchObject({ after: 3, from: 'main.py\n'.length });

    transcript = applyEvents(transcript, [
      ev({
        type: 'turn.finished',
        attempt: 1,
        persona: 'coder',
        content: 'main.py\n```python\nx = 1\ny = 2\n',
        usage: null,
        durationMs: 5,
      }),
    ]);
    const done = settleTranscript(transcript, memo);
    expect(done.settled.tail).toBeNull();
    expect(done.settled.transcript).toBe(transcript);
  });

  it('gives the reply back to React when too many items follow it', () => {
    let transcript: Transcript = applyEvents(emptyTranscript('s1'), [
      ev({ type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 10, trimmed: [] }),
      ...Array.from({ length: MAX_ITEMS_AFTER_TAIL }, (_, i) => ev({ type: 'session.warning', message: `warning ${i}` })),
      ev({ type: 'token.delta', attempt: 1, persona: 'coder', text: 'Hello' }),
    ]);
    expect(settleTranscript(transcript, undefined).settled.tail).toMatchObject({ after: MAX_ITEMS_AFTER_TAIL });
    transcript = applyEvents(transcript, [ev({ type: 'session.warning', message: 'one more' })]);
    const memo = settleTranscript(transcript, undefined);
    expect(memo.settled.tail).toBeNull();
    expect(memo.settled.transcript).toBe(transcript);
  });
});
