import { describe, expect, it } from 'vitest';
import { LlmScheduler } from '../../src/llm/llm-scheduler.js';

/** Grants are recorded in order; each holder releases when the test says so. */
function harness(concurrency: number) {
  const scheduler = new LlmScheduler(concurrency);
  const granted: string[] = [];
  const releases: Array<() => void> = [];
  const ask = (session: string, signal?: AbortSignal): Promise<void> =>
    scheduler.acquire(session, signal).then((release) => {
      granted.push(session);
      releases.push(release);
    });
  const releaseNext = async (): Promise<void> => {
    releases.shift()?.();
    await flush();
  };
  return { scheduler, granted, ask, releaseNext };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('LlmScheduler', () => {
  it('grants turns round-robin across sessions, however many each has queued', async () => {
    const { granted, ask, releaseNext } = harness(1);
    // Session a queues 4 turns before b and c queue 2 each.
    for (let i = 0; i < 4; i += 1) void ask('a');
    for (let i = 0; i < 2; i += 1) void ask('b');
    for (let i = 0; i < 2; i += 1) void ask('c');
    await flush();
    for (let i = 0; i < 8; i += 1) await releaseNext();
    expect(granted).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'a']);
  });

  it('runs `concurrency` turns at once and no more', async () => {
    const { scheduler, granted, ask, releaseNext } = harness(2);
    for (const s of ['a', 'b', 'c', 'd']) void ask(s);
    await flush();
    expect(granted).toEqual(['a', 'b']);
    expect(scheduler.state).toEqual({ running: 2, waiting: 2 });
    await releaseNext();
    expect(granted).toEqual(['a', 'b', 'c']);
    expect(scheduler.state).toEqual({ running: 2, waiting: 1 });
  });

  it('cancelling a waiting turn frees its place and rejects it', async () => {
    const { scheduler, granted, ask, releaseNext } = harness(1);
    void ask('a');
    const cancel = new AbortController();
    const b = ask('b', cancel.signal);
    void ask('c');
    await flush();
    expect(scheduler.positionOf('b')).toBe(0);
    cancel.abort();
    await expect(b).rejects.toMatchObject({ code: 'LLM_CANCELLED' });
    expect(scheduler.state).toEqual({ running: 1, waiting: 1 });
    await releaseNext();
    expect(granted).toEqual(['a', 'c']);
  });

  it('rejects at once when already cancelled, and a double release frees one slot only', async () => {
    const { scheduler } = harness(1);
    const done = new AbortController();
    done.abort();
    await expect(scheduler.acquire('x', done.signal)).rejects.toMatchObject({ code: 'LLM_CANCELLED' });
    const release = await scheduler.acquire('a');
    const second = scheduler.acquire('b');
    release();
    release();
    await second;
    expect(scheduler.state).toEqual({ running: 1, waiting: 0 });
  });

  it('reports queue changes to listeners', async () => {
    const { scheduler, ask, releaseNext } = harness(1);
    const states: string[] = [];
    scheduler.onChange((s) => states.push(`${s.running}/${s.waiting}`));
    void ask('a');
    void ask('b');
    await flush();
    await releaseNext();
    expect(states).toContain('1/1');
    expect(states.at(-1)).toBe('1/0');
  });
});

describe('LlmScheduler memory hold', () => {
  it('says "waiting for memory" once when the hold starts, not again for every new memory sample', async () => {
    let admit = false;
    let reason = 'free 1.0 GB';
    let changed: () => void = () => {};
    const scheduler = new LlmScheduler(2, {
      check: () => (admit ? { admit: true } : { admit: false, reason }),
      onChange: (listener) => {
        changed = listener;
        return () => {};
      },
      granted: () => {},
    });
    await scheduler.acquire('a');
    const told: string[] = [];
    const b = scheduler.acquire('b', undefined, (info) => told.push(info.reason === 'memory' ? info.message : 'turns'));
    await flush();
    for (const free of ['0.9 GB', '0.8 GB', '1.1 GB']) {
      reason = `free ${free}`;
      changed();
      await flush();
    }
    expect(told).toEqual(['free 1.0 GB']);
    admit = true;
    changed();
    await expect(b).resolves.toBeTypeOf('function');
    expect(scheduler.state).toEqual({ running: 2, waiting: 0 });
  });
});
