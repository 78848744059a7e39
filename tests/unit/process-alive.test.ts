import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/sandbox/process-tree.js';

// The one liveness check (sessions, the server's pid file, merge journals, stale sandbox files):
// real processes, including a real zombie.
const parents: number[] = [];

afterEach(() => {
  for (const pid of parents.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * A zombie: a short `sleep` in the background, still running when sh execs the long `sleep`, exits
 * later as a child of that `sleep`, which never reaps it.
 */
async function makeZombie(): Promise<number> {
  const child = spawn('/bin/sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  if (child.pid !== undefined) parents.push(child.pid);
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  const pid = Number(line.trim());
  // Wait until the short sleep has exited (a zombie from then on).
  for (let i = 0; i < 150; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (!isProcessAlive(pid)) break;
  }
  return pid;
}

describe('isProcessAlive', () => {
  it('is true for a running process and false for one that is gone', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid ?? -1;
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50)); // reaped by now
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('never takes 0 or a negative number (kill would read them as process groups)', () => {
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
  });

  it('counts a zombie as not running on Linux (macOS has no /proc: there it still counts)', async () => {
    const zombie = await makeZombie();
    expect(() => process.kill(zombie, 0)).not.toThrow(); // it still exists: a zombie, not a gone process
    expect(isProcessAlive(zombie)).toBe(process.platform !== 'linux');
  });
});
