// The supervisor's restart rules on their own: which process ends are crashes, how the crash
// streak moves, and restart-now / after-a-back-off / give-up, with the words the state events carry.
import { describe, expect, it } from 'vitest';
import {
  adoptedGoneDetail,
  crashOfRunEnd,
  decideRestart,
  DEFAULT_RESTART_POLICY,
  isFastCrash,
  nextCrashStreak,
  respondToCrash,
  type RestartPolicy,
} from '../../src/server/server-restart-policy.js';

const policy: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 30_000, maxFastCrashes: 5, fastCrashWindowMs: 60_000 };
const LOG = '/home/u/.mlx-factory/logs/mlx-server.log';

describe('crash streak', () => {
  it('a run shorter than the window is a fast crash; one that reached it is not', () => {
    expect(isFastCrash(0, policy)).toBe(true);
    expect(isFastCrash(59_999, policy)).toBe(true);
    expect(isFastCrash(60_000, policy)).toBe(false);
  });

  it('grows by one per fast crash and starts again at 1 after a run that lived past the window', () => {
    let streak = 0;
    const streaks: number[] = [];
    for (const uptimeMs of [500, 2000, 30_000, 10 * 60_000, 100]) {
      streak = nextCrashStreak(streak, uptimeMs, policy);
      streaks.push(streak);
    }
    expect(streaks).toEqual([1, 2, 3, 1, 2]);
  });
});

describe('decideRestart', () => {
  it('backs off 1 s, 2 s, 4 s, 8 s and gives up at the fifth fast crash in a row', () => {
    const decisions = [1, 2, 3, 4, 5].map((streak) => decideRestart(streak, 2000, policy));
    expect(decisions).toEqual([
      { restart: true, delayMs: 1000 },
      { restart: true, delayMs: 2000 },
      { restart: true, delayMs: 4000 },
      { restart: true, delayMs: 8000 },
      { restart: false },
    ]);
  });

  it('caps the delay at maxDelayMs', () => {
    const loose: RestartPolicy = { ...policy, maxFastCrashes: 100 };
    expect(decideRestart(5, 10, loose)).toEqual({ restart: true, delayMs: 16_000 });
    expect(decideRestart(6, 10, loose)).toEqual({ restart: true, delayMs: 30_000 });
    expect(decideRestart(40, 10, loose)).toEqual({ restart: true, delayMs: 30_000 });
  });

  it('never gives up on a crash after a long run, even at the limit', () => {
    // A long run resets the streak to 1, so this is what the supervisor sees after one.
    expect(decideRestart(nextCrashStreak(4, 5 * 60_000, policy), 5 * 60_000, policy)).toEqual({ restart: true, delayMs: 1000 });
    // And a long-lived crash that somehow carries a high streak still restarts (only fast crashes give up).
    expect(decideRestart(7, 60_000, policy)).toEqual({ restart: true, delayMs: 30_000 });
  });

  it('with a limit of one, the first fast crash is the end', () => {
    expect(decideRestart(1, 10, { ...policy, maxFastCrashes: 1 })).toEqual({ restart: false });
  });

  it('defaults: 1 s base, capped at 30 s, 5 fast crashes within a minute', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual(policy);
  });
});

describe('respondToCrash', () => {
  const crash = { detail: 'The server (pid 4242) was killed by SIGKILL.', uptimeMs: 1500, logTail: ['Traceback', 'boom'] };

  it('schedules a restart after the back-off and says so, with the streak and the limit', () => {
    expect(respondToCrash(3, crash, policy, LOG)).toEqual({
      delayMs: 4000,
      action: {
        type: 'restart-scheduled',
        delayMs: 4000,
        detail: 'The server (pid 4242) was killed by SIGKILL. Restarting in 4 s (crash 3 of at most 5 in a row).',
      },
    });
  });

  it('gives up with the last crash, the window and the log file named, keeping the log tail', () => {
    expect(respondToCrash(5, crash, policy, LOG)).toEqual({
      action: {
        type: 'failed',
        detail: `Gave up after 5 crashes in a row, each within 60 s of starting. Last: The server (pid 4242) was killed by SIGKILL. See ${LOG}.`,
        logTail: ['Traceback', 'boom'],
      },
    });
  });

  it('says fractional seconds as they are', () => {
    const fast: RestartPolicy = { ...policy, baseDelayMs: 250 };
    const response = respondToCrash(2, crash, fast, LOG);
    expect('delayMs' in response && response.delayMs).toBe(500);
    expect(response.action.detail).toContain('Restarting in 0.5 s');
  });
});

describe('crashOfRunEnd', () => {
  const ready = { state: 'ready' as const, pid: 4242 };

  it('an unexpected exit of the server in use is a crash, told by its signal or its exit code', () => {
    expect(crashOfRunEnd(ready, { pid: 4242, expectedExit: false, exit: { code: null, signal: 'SIGKILL' } })).toBe(
      'The server (pid 4242) was killed by SIGKILL.',
    );
    expect(crashOfRunEnd(ready, { pid: 4242, expectedExit: false, exit: { code: 1, signal: null } })).toBe(
      'The server (pid 4242) exited with code 1.',
    );
    expect(crashOfRunEnd(ready, { pid: 4242, expectedExit: false, exit: null })).toBe('The server (pid 4242) exited with code null.');
  });

  it('an exit we asked for is not a crash', () => {
    expect(crashOfRunEnd(ready, { pid: 4242, expectedExit: true, exit: { code: null, signal: 'SIGTERM' } })).toBeNull();
  });

  it('an exit during start-up, or of a process no longer in use, is not one to restart from here', () => {
    const end = { pid: 4242, expectedExit: false, exit: { code: 1, signal: null } };
    expect(crashOfRunEnd({ state: 'starting', pid: 4242 }, end)).toBeNull();
    expect(crashOfRunEnd({ state: 'stopping', pid: 4242 }, end)).toBeNull();
    expect(crashOfRunEnd({ state: 'ready', pid: 5151 }, end)).toBeNull();
  });
});

describe('adoptedGoneDetail', () => {
  it('names the port, and the pid when one is known', () => {
    expect(adoptedGoneDetail(8080, 77)).toBe('The adopted server on port 8080 (pid 77) is gone.');
    expect(adoptedGoneDetail(8081, null)).toBe('The adopted server on port 8081 is gone.');
  });
});
