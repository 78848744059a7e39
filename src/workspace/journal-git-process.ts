import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Is the pid a merge journal names still *that* git? A pid is reused: after a crash and a reboot (or
 * just many processes later) it can name any live process, and waiting on it blocked every merge
 * and update for two minutes, then refused. It counts only when it is a git process that started
 * within a few seconds of the journal (the journal is written right after git is spawned).
 */
const NEAR_MS = 15_000;

export async function isJournalGit(pid: number, journalStartedAt: string): Promise<boolean> {
  const journalTime = Date.parse(journalStartedAt);
  if (!Number.isFinite(journalTime)) return false;
  const facts = process.platform === 'linux' ? linuxFacts(pid) : await psFacts(pid);
  if (facts === null) return false;
  return facts.command === 'git' && Math.abs(facts.startedMs - journalTime) <= NEAR_MS;
}

interface ProcessFacts {
  readonly command: string;
  readonly startedMs: number;
}

/** /proc/PID/stat's start time (clock ticks after boot; USER_HZ is 100 on Linux) + /proc/stat's btime. */
function linuxFacts(pid: number): ProcessFacts | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22 of the whole line
    const btime = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1];
    const exe = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    if (!Number.isFinite(startTicks) || btime === undefined) return null;
    return { command: path.basename(exe), startedMs: Number(btime) * 1000 + startTicks * 10 };
  } catch {
    return null;
  }
}

function psFacts(pid: number): Promise<ProcessFacts | null> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'lstart=', '-o', 'comm=', '-p', String(pid)], { timeout: 5000 }, (error, stdout) => {
      const line = String(stdout).trim();
      const started = Date.parse(line.slice(0, 24));
      resolve(error !== null || !Number.isFinite(started) ? null : { command: path.basename(line.slice(24).trim()), startedMs: started });
    });
  });
}
