// CrashRestart, the piece that performs the restart policy: real timers, real port probes, and the
// real state reducer; the launch it calls is the test's, standing for the supervisor's launch.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CrashRestart } from '../../src/server/server-restart.js';
import type { RestartPolicy } from '../../src/server/server-restart-policy.js';
import { INITIAL_STATUS, reduceServerStatus, restartsOf, type ServerAction, type ServerStatus } from '../../src/server/server-status.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

const LOG = '/tmp/home/logs/mlx-server.log';
/** Back-offs of 1, 2, 4 … ms: the sequence runs at once, the order of timers still holds. */
const quick: RestartPolicy = { baseDelayMs: 1, maxDelayMs: 8, maxFastCrashes: 3, fastCrashWindowMs: 60_000 };

type Launch = (port: number, signal: AbortSignal, rig: Rig) => Promise<void>;

interface Rig {
  readonly restart: CrashRestart;
  readonly actions: ServerAction[];
  readonly launches: number[];
  status(): ServerStatus;
  dispatch(action: ServerAction): void;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A supervisor's worth of state, ready on `port` with pid 100, and a CrashRestart over it. */
function rig(port: number, launch: Launch, policy: RestartPolicy = quick): Rig {
  let status = INITIAL_STATUS;
  const actions: ServerAction[] = [];
  const launches: number[] = [];
  const dispatch = (action: ServerAction): void => {
    actions.push(action);
    status = reduceServerStatus(status, action, policy);
  };
  dispatch({ type: 'starting', detail: 'looking' });
  dispatch({ type: 'launching', port, pid: 100, detail: 'launching' });
  dispatch({ type: 'ready', detail: 'ready' });
  actions.length = 0;
  const self: Rig = {
    restart: new CrashRestart({
      host: '127.0.0.1',
      policy,
      logFile: LOG,
      status: () => status,
      dispatch,
      logTail: () => ['Traceback', 'boom'],
      launch: (p, signal) => {
        launches.push(p);
        return launch(p, signal, self);
      },
    }),
    actions,
    launches,
    status: () => status,
    dispatch,
  };
  cleanups.push(() => self.restart.cancel());
  return self;
}

/** The launch of a server that comes up. */
const comesUp: Launch = async (port, _signal, r) => {
  r.dispatch({ type: 'launching', port, pid: 200 + r.launches.length, detail: `launching on ${port}` });
  r.dispatch({ type: 'ready', detail: 'ready again' });
};

/** The launch of a server that dies at once (reported back as the supervisor does). */
const diesAtOnce: Launch = async (port, _signal, r) => {
  r.dispatch({ type: 'launching', port, pid: 200 + r.launches.length, detail: `launching on ${port}` });
  r.restart.crashed({ detail: 'It died again.', uptimeMs: 5, port });
};

describe('CrashRestart', () => {
  it('after a crash: exited, a restart scheduled, then a relaunch on the same free port', async () => {
    const port = await freePort();
    const r = rig(port, comesUp);
    r.restart.crashed({ detail: 'The server (pid 100) was killed by SIGKILL.', uptimeMs: 2000, port });
    expect(r.actions.map((a) => a.type)).toEqual(['exited', 'restart-scheduled']);
    expect(r.actions[1]).toMatchObject({
      delayMs: 1,
      detail: 'The server (pid 100) was killed by SIGKILL. Restarting in 0.001 s (crash 1 of at most 3 in a row).',
    });
    expect(r.status()).toMatchObject({ state: 'restarting', logTail: ['Traceback', 'boom'] });
    await waitFor('the server to be ready again', () => r.status().state === 'ready');
    expect(r.launches).toEqual([port]);
    expect(restartsOf(r.status())).toBe(1);
    expect(r.restart.inProgress).toBe(false);
  });

  it('relaunches on the next free port when the old one is taken', async () => {
    const port = await freePort();
    const r = rig(port, comesUp);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    r.restart.crashed({ detail: 'Gone.', uptimeMs: 2000, port });
    await waitFor('the server to be ready again', () => r.status().state === 'ready');
    expect(r.launches).toHaveLength(1);
    expect(r.launches[0]).toBeGreaterThan(port);
    expect(r.status().port).toBe(r.launches[0]);
  });

  it('gives up at the policy limit of fast crashes in a row, naming the log', async () => {
    const port = await freePort();
    const r = rig(port, diesAtOnce);
    r.restart.crashed({ detail: 'The server (pid 100) exited with code 1.', uptimeMs: 5, port });
    await waitFor('the restarts to give up', () => r.status().state === 'failed');
    expect(r.launches).toEqual([port, port]);
    const scheduled = r.actions.filter((a): a is Extract<ServerAction, { type: 'restart-scheduled' }> => a.type === 'restart-scheduled');
    expect(scheduled.map((a) => a.delayMs)).toEqual([1, 2]);
    expect(r.status()).toMatchObject({
      state: 'failed',
      crashStreak: 3,
      detail: `Gave up after 3 crashes in a row, each within 60 s of starting. Last: It died again. See ${LOG}.`,
      logTail: ['Traceback', 'boom'],
    });
    await waitFor('the last relaunch to end', () => !r.restart.inProgress);
  });

  it('a cancel during the back-off drops the restart', async () => {
    const port = await freePort();
    const r = rig(port, comesUp);
    r.restart.crashed({ detail: 'Gone.', uptimeMs: 2000, port });
    await r.restart.cancel();
    // A timer of the same length set after the dropped one fires after it would have; a relaunch
    // starts synchronously when its timer fires (state still 'restarting' here), so none began.
    await new Promise((resolve) => setTimeout(resolve, quick.baseDelayMs));
    expect(r.restart.inProgress).toBe(false);
    expect(r.launches).toEqual([]);
    expect(r.status().state).toBe('restarting');
  });

  it('a cancel during a relaunch aborts it, waits for it, and reports nothing of its own', async () => {
    const port = await freePort();
    let launched = false;
    const r = rig(port, (p, signal, self) => {
      self.dispatch({ type: 'launching', port: p, pid: 300, detail: 'launching' });
      launched = true;
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('The server start was cancelled (the server was stopped).')), {
          once: true,
        });
      });
    });
    r.restart.crashed({ detail: 'Gone.', uptimeMs: 2000, port });
    await waitFor('the relaunch to be under way', () => launched);
    expect(r.restart.inProgress).toBe(true);
    await r.restart.cancel();
    expect(r.restart.inProgress).toBe(false);
    expect(r.actions.map((a) => a.type)).toEqual(['exited', 'restart-scheduled', 'launching']);
  });

  it('a relaunch that throws (the runtime vanished) ends in failed, saying why', async () => {
    const port = await freePort();
    const r = rig(port, () => Promise.reject(new Error('python3: not found\nmore detail')));
    r.restart.crashed({ detail: 'Gone.', uptimeMs: 2000, port });
    await waitFor('the restart to fail', () => r.status().state === 'failed');
    expect(r.status()).toMatchObject({ detail: 'Could not restart the server: python3: not found', logTail: ['Traceback', 'boom'] });
  });
});
