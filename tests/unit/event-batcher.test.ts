import { describe, expect, it } from 'vitest';
import { EventBatcher } from '../../src/host/event-batcher.js';

/** A timer the test fires by hand. */
function manualTimer() {
  const pending = new Set<() => void>();
  const delays: number[] = [];
  return {
    schedule: (flush: () => void, ms: number) => {
      delays.push(ms);
      pending.add(flush);
      return () => void pending.delete(flush);
    },
    fire: () => [...pending].forEach((flush) => (pending.delete(flush), flush())),
    pending: () => pending.size,
    delays,
  };
}

describe('EventBatcher', () => {
  it('holds events until the timer fires, then sends them as one batch, in order', () => {
    const timer = manualTimer();
    const batches: number[][] = [];
    const batcher = new EventBatcher<number>({ send: (b) => batches.push(b), schedule: timer.schedule, delayMs: 8 });
    for (let i = 0; i < 100; i++) batcher.push(i);
    expect(batches).toEqual([]);
    expect(timer.pending()).toBe(1);
    expect(timer.delays).toEqual([8]);
    timer.fire();
    expect(batches).toEqual([Array.from({ length: 100 }, (_, i) => i)]);
    timer.fire();
    expect(batches).toHaveLength(1); // nothing held, nothing sent
  });

  it('sends at once when full by count or by bytes; an oversized item goes alone', () => {
    const timer = manualTimer();
    const batches: string[][] = [];
    const batcher = new EventBatcher<string>({
      send: (b) => batches.push(b),
      schedule: timer.schedule,
      maxItems: 3,
      maxBytes: 10,
      sizeOf: (s) => s.length,
    });
    for (const item of ['a', 'b', 'c', 'd']) batcher.push(item);
    expect(batches).toEqual([['a', 'b', 'c']]);
    batcher.push('1234567890'); // 'd' + 10 bytes would pass 10: 'd' leaves first, then the full one
    expect(batches).toEqual([['a', 'b', 'c'], ['d'], ['1234567890']]);
    batcher.push('x'.repeat(50));
    expect(batches.slice(3)).toEqual([['x'.repeat(50)]]);
    expect(timer.pending()).toBe(0);
  });

  it('flush sends what is held now; close drops it and takes nothing more; a throwing send is survived', () => {
    const timer = manualTimer();
    const batches: number[][] = [];
    let fail = false;
    const batcher = new EventBatcher<number>({
      send: (b) => {
        if (fail) throw new Error('Object has been destroyed');
        batches.push(b);
      },
      schedule: timer.schedule,
    });
    batcher.push(1);
    batcher.flush();
    expect(batches).toEqual([[1]]);
    expect(timer.pending()).toBe(0);
    fail = true;
    batcher.push(2);
    expect(() => timer.fire()).not.toThrow();
    fail = false;
    batcher.push(3);
    batcher.close();
    batcher.push(4);
    timer.fire();
    batcher.flush();
    expect(batches).toEqual([[1]]);
  });
});
