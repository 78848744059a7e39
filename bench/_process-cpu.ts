/**
 * CPU time used by this process's descendants, grouped by what they are (Linux: /proc), and by the
 * whole machine — so a bench can say who was using the CPUs while it measured.
 */
import fs from 'node:fs';
import os from 'node:os';

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly ticks: number;
  readonly cmdline: string;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function readStat(pid: number): ProcStat | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { pid, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), cmdline };
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    const total = values.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  readonly at: number;
  readonly byPid: ReadonlyMap<number, ProcStat>;
  readonly machine: { busy: number; total: number } | null;
}

export function snapshotCpu(root = process.pid): CpuSnapshot {
  const all: ProcStat[] = [];
  if (process.platform === 'linux') {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = readStat(Number(name));
      if (stat !== null) all.push(stat);
    }
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map<number, ProcStat>();
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      byPid.set(child.pid, child);
      walk(child.pid);
    }
  };
  const self = all.find((s) => s.pid === root);
  if (self !== undefined) byPid.set(root, self);
  walk(root);
  return { at: Date.now(), byPid, machine: machineTicks() };
}

/** Percent of one CPU used between two snapshots, per group ("host", "chromium", …), plus everyone else on the machine. */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  group: (cmdline: string) => string,
): { groups: Array<[string, number]>; others: number | null; cpus: number } {
  const seconds = (after.at - before.at) / 1000;
  const groups = new Map<string, number>();
  let ours = 0;
  for (const [pid, stat] of after.byPid) {
    const used = stat.ticks - (before.byPid.get(pid)?.ticks ?? 0);
    ours += used;
    const name = group(stat.cmdline);
    groups.set(name, (groups.get(name) ?? 0) + used);
  }
  const pct = (ticks: number): number => (ticks / TICKS_PER_SECOND / seconds) * 100;
  let others: number | null = null;
  const cpus = os.cpus().length;
  if (before.machine !== null && after.machine !== null) {
    const busy = after.machine.busy - before.machine.busy;
    const total = after.machine.total - before.machine.total;
    // /proc/stat counts every CPU: its busy share of all CPUs, in percent of one CPU.
    others = Math.max(0, (busy / Math.max(1, total)) * cpus * 100 - pct(ours));
  }
  return { groups: [...groups.entries()].map(([k, v]) => [k, pct(v)] as [string, number]).sort((a, b) => b[1] - a[1]), others, cpus };
}
