import fs from 'node:fs';

/**
 * The pids of a run's whole tree as Linux's /proc shows it: the members of process group `pgid` and
 * every descendant of them (also one that moved to a session of its own, or lives in a sandbox's PID
 * namespace: /proc here shows the host's pids). For "no survivor" checks after a Stop.
 */
export function treePids(pgid: number): number[] {
  const entries: Array<{ pid: number; ppid: number; pgid: number; state: string }> = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state = '', ppid, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    entries.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(group), state });
  }
  const live = entries.filter((e) => e.state !== 'Z' && e.state !== 'X');
  const found = new Set<number>();
  const queue = live.filter((e) => e.pgid === pgid || e.pid === pgid).map((e) => e.pid);
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...live.filter((e) => e.ppid === pid).map((e) => e.pid));
  }
  return [...found];
}

/** Which of these pids still run (zombies do not). */
export function stillRunning(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  });
}
