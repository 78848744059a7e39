import { describe, expect, it } from 'vitest';
import type { RepoStatus } from '../../src/api/payloads.js';
import { GlobalStream } from '../../src/host/global-stream.js';

const repo = { path: '/r', kind: 'repo' } as unknown as RepoStatus;
const log = (line: string) => ({ type: 'server.log', stream: 'server', line }) as const;

describe('GlobalStream', () => {
  it('replays state events after a seq, and says when the asked-for ones were dropped', () => {
    const stream = new GlobalStream(3);
    for (const line of ['a', 'b', 'c', 'd', 'e']) stream.emit(log(line));
    expect(stream.since(2)).toMatchObject({ gap: false, events: [{ seq: 3 }, { seq: 4 }, { seq: 5 }] });
    expect(stream.since(0).gap).toBe(true);
    expect(stream.since(5)).toEqual({ events: [], gap: false });
  });

  it('hands an app request to the one next client that subscribes, in seq order, then never again', () => {
    let now = 1000;
    const stream = new GlobalStream(100, 15_000, () => now);
    const live: number[] = [];
    stream.subscribe((event) => live.push(event.seq));
    stream.emit(log('before'));
    stream.emit({ type: 'app.newSession', repo });
    stream.emit(log('after'));
    expect(live).toEqual([1, 2, 3]); // live listeners get it at once
    now += 2000;
    // The dashboard the drop opened subscribes from the start: it gets the request, in place.
    expect(stream.since(0).events.map((e) => e.type)).toEqual(['server.log', 'app.newSession', 'server.log']);
    // A window made later does not: no stale New session sheet.
    expect(stream.since(0).events.map((e) => e.type)).toEqual(['server.log', 'server.log']);
    expect(stream.since(0).gap).toBe(false);
  });

  it('forgets an app request nobody picked up in time, and one a reconnecting client already saw', () => {
    let now = 0;
    const stream = new GlobalStream(100, 15_000, () => now);
    stream.emit({ type: 'app.newSession', repo });
    now = 16_000;
    expect(stream.since(0).events).toEqual([]);
    stream.emit({ type: 'app.newSession', repo });
    expect(stream.since(2).events).toEqual([]);
    expect(stream.since(1).events.map((e) => e.seq)).toEqual([2]);
  });
});
