/**
 * A command and everything it starts live in one process group, created for it, so that one
 * signal reaches the whole tree: `sh -c 'a & b & c'` leaves no orphans behind on timeout.
 *
 * Platforms: the same code path serves Linux and macOS (POSIX process groups; `detached: true`
 * makes Node call setsid(), so the child leads a new session and group whose id is its pid).
 * Only membership listing differs: /proc on Linux, ps(1) on macOS. Windows is out of scope:
 * it has no process groups in this sense (it would need Job Objects).
 *
 * A descendant that calls setsid()/setpgid() leaves the group; it is still found (and killed)
 * through its parent pid while that parent lives. What remains out of reach is a daemon that
 * double-forked away before the kill (reparented to init/launchd). Under bubblewrap the PID
 * namespace closes that hole too: when its init dies the kernel kills every process in it.
 */
import { spawn, execFile, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type GroupChild = ChildProcessByStdio<null, Readable, Readable>;

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /**
   * Also give the child a pipe as fd 3 that nothing ever writes to: when this process dies, however,
   * the child reads EOF on it (see the watchdog in limit-prelude.ts). The parent's end is
   * `child.stdio[3]`.
   */
  parentDeathPipe?: boolean;
}

/** Starts `file args` as the leader of a new process group; stdin is /dev/null, stdout/stderr are pipes. */
export function spawnInNewGroup(file: string, args: readonly string[], options: SpawnOptions): GroupChild {
  return spawn(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: options.parentDeathPipe === true ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
  }) as GroupChild;
}

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Whether a process is still running: it exists (EPERM: it does, owned by someone else) and, on
 * Linux, is not a zombie — an exited child its parent has not reaped yet still answers kill(pid, 0)
 * but has finished its work. macOS has no /proc: there a zombie counts as running.
 */
export function isProcessAlive(pid: number): boolean {
  // 0 and negative pids name process groups for kill(): never a single process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    // Gone since kill(); any other failure (a hidden /proc) leaves kill()'s answer standing.
    return errnoCode(error) !== 'ENOENT';
  }
  // "pid (comm) S …": comm may hold spaces and parentheses, so read the state after the last ")".
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state !== 'Z' && state !== 'X';
}

/** Sends `signal` to every process in group `pgid`. Returns false if the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`refusing to signal process group ${pgid}`);
  try {
    process.kill(-pgid, signal); // negative pid: the whole group
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false;
    throw error;
  }
}

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

/** Linux: /proc/<pid>/stat is "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses. */
async function listProcessesLinux(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const [state = '', ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    entries.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid), state });
  }
  return entries;
}

/** macOS (and other BSDs): ps(1) is the portable way; there is no /proc. */
async function listProcessesPs(): Promise<ProcessEntry[]> {
  const { stdout } = await execFileAsync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=']);
  const entries: ProcessEntry[] = [];
  for (const line of stdout.split('\n')) {
    const [pid, ppid, pgid, state] = line.trim().split(/\s+/);
    if (state !== undefined) entries.push({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), state });
  }
  return entries;
}

/**
 * Processes still running. Zombies do not count: they are dead and only wait to be reaped — in
 * some containers PID 1 never reaps orphans, so they stay forever.
 */
async function liveProcesses(): Promise<ProcessEntry[]> {
  const all = process.platform === 'linux' ? await listProcessesLinux() : await listProcessesPs();
  return all.filter((p) => !p.state.startsWith('Z') && !p.state.startsWith('X'));
}

/** Pids of the group's members that are still running. */
export async function liveGroupMembers(pgid: number): Promise<number[]> {
  return (await liveProcesses()).filter((p) => p.pgid === pgid).map((p) => p.pid);
}

/**
 * The running members of the group, plus every running descendant of them or of a pid seen
 * before (`seen`, updated), which catches processes that moved to a session of their own.
 */
async function liveTree(pgid: number, seen: Set<number>): Promise<number[]> {
  const live = await liveProcesses();
  const children = new Map<number, number[]>();
  for (const p of live) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const alive = new Set(live.map((p) => p.pid));
  // Pids are not reused within the second or so this takes (pid_max is 4M on Linux, 99999 on macOS).
  const queue = [...live.filter((p) => p.pgid === pgid).map((p) => p.pid), ...[...seen].filter((pid) => alive.has(pid))];
  const found = new Set<number>();
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (found.has(pid) || pid <= 1 || pid === process.pid) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  for (const pid of found) seen.add(pid);
  return [...found];
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if (errnoCode(error) !== 'ESRCH') throw error;
  }
}

function signalTree(pgid: number, pids: readonly number[], signal: NodeJS.Signals): void {
  signalGroup(pgid, signal);
  for (const pid of pids) signalPid(pid, signal); // those that left the group
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilGone(pgid: number, seen: Set<number>, withinMs: number, pollMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = await liveTree(pgid, seen);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(pollMs);
  }
}

export interface KillGroupOptions {
  /** Time between SIGTERM and SIGKILL. Default 500 ms. */
  graceMs?: number;
  /** How long to wait for the group to vanish after SIGKILL before giving up. Default 5 s. */
  killWaitMs?: number;
}

/**
 * SIGTERM to the group (and to descendants that left it), SIGKILL to what is left after the
 * grace period, then wait until nothing of the tree runs. Returns true when it is gone.
 */
export async function killProcessGroup(pgid: number, options: KillGroupOptions = {}): Promise<boolean> {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`refusing to kill process group ${pgid}`);
  const graceMs = options.graceMs ?? 500;
  const pollMs = 20;
  const seen = new Set<number>();
  const running = await liveTree(pgid, seen);
  if (running.length === 0) return true;
  signalTree(pgid, running, 'SIGTERM');
  const stubborn = await waitUntilGone(pgid, seen, graceMs, pollMs);
  if (stubborn.length === 0) return true;
  signalTree(pgid, stubborn, 'SIGKILL');
  // Only a process stuck in uninterruptible sleep survives SIGKILL for long.
  return (await waitUntilGone(pgid, seen, options.killWaitMs ?? 5000, pollMs)).length === 0;
}
