/**
 * How many tasks RLIMIT_NPROC already counts for a user: the limit is per user, not per run, so a
 * per-run process limit expressed through it has to start from this number. Linux counts threads
 * (each /proc/<pid> directory is owned by the process's user; field 20 of its stat is num_threads);
 * macOS counts processes, from ps(1).
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** num_threads from /proc/<pid>/stat ("pid (comm) state ppid …"; comm may hold spaces and parentheses). */
export function threadsFromStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const threads = Number(fields[17]); // field 20 overall; fields[0] is field 3 (state)
  return Number.isSafeInteger(threads) && threads > 0 ? threads : 1;
}

export async function countUserTasks(uid: number): Promise<number> {
  if (process.platform === 'linux') {
    let count = 0;
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = await stat(`/proc/${name}`).catch(() => null);
      if (info?.uid !== uid) continue;
      const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => null);
      if (text !== null) count += threadsFromStat(text);
    }
    return count;
  }
  const { stdout } = await execFileAsync('ps', ['-A', '-o', 'uid=']);
  return stdout.split('\n').filter((line) => line.trim() === String(uid)).length;
}
