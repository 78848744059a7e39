import { describe, expect, it } from 'vitest';
import { decideRestart, type RestartPolicy } from '../../src/server/server-restart-policy.js';
import { canTransition, INITIAL_STATUS, reduceServerStatus, restartsOf, type ServerStatus } from '../../src/server/server-status.js';

const policy: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 30_000, maxFastCrashes: 5, fastCrashWindowMs: 60_000 };

function launched(status: ServerStatus = INITIAL_STATUS, pid = 100): ServerStatus {
  const starting = status.state === 'restarting' ? status : reduceServerStatus(status, { type: 'starting', detail: 'looking' }, policy);
  return reduceServerStatus(starting, { type: 'launching', port: 8080, pid, detail: 'launching' }, policy);
}

function ready(status: ServerStatus): ServerStatus {
  return reduceServerStatus(status, { type: 'ready', detail: 'ready' }, policy);
}

/** Crash after `uptimeMs`, then apply the restart decision; returns the status and the delay (null = gave up). */
function crash(status: ServerStatus, uptimeMs: number): { status: ServerStatus; delayMs: number | null } {
  const crashed = reduceServerStatus(status, { type: 'exited', uptimeMs, detail: 'killed', logTail: ['Traceback', 'boom'] }, policy);
  const decision = decideRestart(crashed.crashStreak, uptimeMs, policy);
  if (!decision.restart)
    return { status: reduceServerStatus(crashed, { type: 'failed', detail: 'gave up', logTail: crashed.logTail }, policy), delayMs: null };
  return {
    status: reduceServerStatus(crashed, { type: 'restart-scheduled', delayMs: decision.delayMs, detail: 'soon' }, policy),
    delayMs: decision.delayMs,
  };
}

describe('server status reducer', () => {
  it('goes stopped → starting → ready and counts launches', () => {
    const s = ready(launched());
    expect(s.state).toBe('ready');
    expect(s.pid).toBe(100);
    expect(s.port).toBe(8080);
    expect(s.owned).toBe(true);
    expect(s.launches).toBe(1);
    expect(restartsOf(s)).toBe(0);
  });

  it('backs off 1 s, 2 s, 4 s, 8 s on fast crashes and gives up at the fifth', () => {
    let s = ready(launched());
    const delays: (number | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const result = crash(s, 2000);
      delays.push(result.delayMs);
      s = result.status;
      if (result.delayMs !== null) s = ready(launched(s, 200 + i));
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, null]);
    expect(s.state).toBe('failed');
    expect(s.logTail).toEqual(['Traceback', 'boom']);
    expect(s.pid).toBeNull();
    expect(restartsOf(s)).toBe(4);
  });

  it('caps the delay', () => {
    const tight: RestartPolicy = { ...policy, maxFastCrashes: 20, maxDelayMs: 5000 };
    let s = ready(launched());
    let last = 0;
    for (let i = 0; i < 6; i++) {
      s = reduceServerStatus(s, { type: 'exited', uptimeMs: 10, detail: 'x', logTail: [] }, tight);
      const decision = decideRestart(s.crashStreak, 10, tight);
      if (!decision.restart) throw new Error('gave up too early');
      last = decision.delayMs;
      s = reduceServerStatus(s, { type: 'restart-scheduled', delayMs: last, detail: '' }, tight);
      s = reduceServerStatus(s, { type: 'launching', port: 1, pid: 1, detail: '' }, tight);
    }
    expect(last).toBe(5000);
  });

  it('a run that lasted past the window resets the streak: the next crash waits 1 s again and never gives up', () => {
    let s = ready(launched());
    for (let i = 0; i < 3; i++) s = ready(launched(crash(s, 500).status, 300 + i));
    expect(s.crashStreak).toBe(3);
    const after = crash(s, 10 * 60_000);
    expect(after.delayMs).toBe(1000);
    expect(after.status.crashStreak).toBe(1);
  });

  it('a crash during a restart start-up counts like any fast crash', () => {
    let s = crash(ready(launched()), 100).status;
    s = launched(s, 101); // restarting → starting
    const again = crash(s, 50);
    expect(again.delayMs).toBe(2000);
    expect(again.status.crashStreak).toBe(2);
  });

  it('stop from any live state ends in stopped with no pid or port', () => {
    for (const s of [ready(launched()), launched(), crash(ready(launched()), 10).status]) {
      const stopping = reduceServerStatus(s, { type: 'stopping', detail: '' }, policy);
      const stopped = reduceServerStatus(stopping, { type: 'stopped', detail: 'bye' }, policy);
      expect(stopped).toMatchObject({ state: 'stopped', pid: null, port: null, owned: false, crashStreak: 0 });
    }
  });

  it('idle unload goes through stopping to unloaded, and the reload counts as a restart', () => {
    const s = ready(launched());
    const unloaded = reduceServerStatus(
      reduceServerStatus(s, { type: 'stopping', detail: '' }, policy),
      { type: 'unloaded', detail: 'idle' },
      policy,
    );
    expect(unloaded.state).toBe('unloaded');
    const reloaded = ready(launched(unloaded, 555));
    expect(restartsOf(reloaded)).toBe(1);
  });

  it('adoption records whether the server is ours to stop', () => {
    const starting = reduceServerStatus(INITIAL_STATUS, { type: 'starting', detail: '' }, policy);
    const adopted = reduceServerStatus(starting, { type: 'adopted', port: 9000, pid: null, owned: false, detail: 'foreign' }, policy);
    expect(adopted).toMatchObject({ state: 'adopted', port: 9000, pid: null, owned: false, launches: 0 });
  });

  it('refuses transitions the state machine does not have', () => {
    expect(() => reduceServerStatus(INITIAL_STATUS, { type: 'ready', detail: '' }, policy)).toThrow(/stopped → ready/);
    expect(canTransition('ready', 'restarting')).toBe(false);
    expect(canTransition('crashed', 'restarting')).toBe(true);
    expect(canTransition('stopping', 'unloaded')).toBe(true);
  });
});
