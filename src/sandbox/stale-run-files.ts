/**
 * A run's private temp dir (and its seccomp file beside it) is removed when the run ends; a host
 * that was SIGKILLed never got there. The names carry the host's pid, so whatever a dead host left
 * in the temp folder is removed by the next host's first run.
 */
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from './process-tree.js';

const RUN_TMP_PREFIX = 'mlx-factory-run-';

/** `mlx-factory-run-<pid>-XXXXXX`, for mkdtemp. */
export function runTmpPrefix(pid: number = process.pid): string {
  return `${RUN_TMP_PREFIX}${pid}-`;
}

/** Removes the run temp dirs and files of hosts that are gone; returns what it removed. */
export async function removeStaleRunFiles(dir: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = new RegExp(`^${RUN_TMP_PREFIX}(\\d+)-`).exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}
