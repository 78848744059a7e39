import { describe, expect, it } from 'vitest';
import { FrameBatcher } from '../../renderer/src/lib/frame-batcher.js';

/** A scheduler the test runs by hand: "the next frame" happens when the test says so. */
function manualFrames() {
  const queue: Array<() => void> = [];
  return {
    schedule: (cb: () => void) => void queue.push(cb),
    frame: () => queue.splice(0).forEach((cb) => cb()),
    pending: () => queue.length,
  };
}

describe('FrameBatcher', () => {
  it('delivers everything pushed between two frames as one batch, in order', () => {
    const frames = manualFrames();
    const batches: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => batches.push(items), frames.schedule);
    for (let i = 0; i < 500; i++) batcher.push(i);
    expect(frames.pending()).toBe(1); // one frame requested, not 500
    expect(batches).toEqual([]);
    frames.frame();
    expect(batches).toEqual([Array.from({ length: 500 }, (_, i) => i)]);
    batcher.push(500);
    frames.frame();
    expect(batches[1]).toEqual([500]);
  });

  it('loses and repeats nothing across many frames (4 streams × 500 tokens/s for 30 s)', () => {
    const frames = manualFrames();
    const seen: string[] = [];
    const batcher = new FrameBatcher<string>((items) => seen.push(...items), frames.schedule);
    const expected: string[] = [];
    // 60 frames a second, 4 streams × 500 tokens a second between frames.
    for (let frame = 0; frame < 30 * 60; frame++) {
      for (let k = 0; k < 34; k++) {
        const token = `${frame}:${k}`;
        expected.push(token);
        batcher.push(token);
      }
      frames.frame();
    }
    expect(seen).toEqual(expected);
    expect(batcher.pending).toBe(0);
  });

  it('flush() delivers at once and a later frame has nothing to do', () => {
    const frames = manualFrames();
    const batches: string[][] = [];
    const batcher = new FrameBatcher<string>((items) => batches.push(items), frames.schedule);
    batcher.push('a');
    batcher.flush();
    frames.frame();
    expect(batches).toEqual([['a']]);
  });
});
