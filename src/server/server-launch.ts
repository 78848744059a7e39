import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { killProcessGroup, signalGroup } from '../sandbox/process-tree.js';
import type { LaunchSpec } from './launch-spec.js';
import { detectFatalLine, type FatalLine, type ServerLogFile } from './server-log.js';

/**
 * The supervisor's launch job: spawn one server process in its own process group with its output
 * going to the log file, track how it ends, and kill its whole group.
 */

/** Milestones of the latest launch, for the bench and for "it took N s to load" messages. */
export interface LaunchTimings {
  readonly spawnedAt: number;
  portOpenAt: number | null;
  httpdLineAt: number | null;
  readyAt: number | null;
}

/** One launched process, from spawn until it is gone. */
export interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly command: readonly string[];
  readonly startedAt: number;
  readonly timings: LaunchTimings;
  expectedExit: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null; error: string | null } | null;
  fatal: FatalLine | null;
  /** Resolves once the process is gone and its output has been read. */
  readonly gone: Promise<void>;
  readonly wake: Set<() => void>;
  /** Called when the server prints its "Starting httpd" line (the port is open now). */
  readonly httpdLine: Set<() => void>;
}

export interface SpawnHooks {
  readonly logFile: ServerLogFile;
  /** Follows the log file from `fromOffset`, passing each server line to `onLine`. */
  follow(onLine: (line: string) => void, fromOffset: number): void;
  /** Reads what the log tailer has not read yet (the process's last words). */
  readLogNow(): void;
  /** The process is gone (after its output was read). */
  onGone(run: Running): void;
}

export function spawnServer(port: number, spec: LaunchSpec, hooks: SpawnHooks): Running {
  const command = [spec.command, ...spec.args];
  const spawnedAt = performance.now();
  // Its output goes straight to the log file (see ServerLogFile for why not through pipes), and a
  // tailer reads it back for events. detached: the server leads a new process group (setsid), so
  // one signal reaches all of it and Ctrl-C in a terminal does not hit it behind our back.
  const fromOffset = hooks.logFile.size();
  const fd = hooks.logFile.openForChild();
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
  let resolveGone: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => {
    resolveGone = resolve;
  });
  const run: Running = {
    child,
    pid: child.pid ?? -1,
    port,
    command,
    startedAt: spawnedAt,
    timings: { spawnedAt, portOpenAt: null, httpdLineAt: null, readyAt: null },
    expectedExit: false,
    exit: null,
    fatal: null,
    gone,
    wake: new Set(),
    httpdLine: new Set(),
  };
  const wake = (): void => {
    for (const fn of [...run.wake]) fn();
  };
  hooks.follow((line) => {
    if (run.timings.httpdLineAt === null && line.includes('Starting httpd at')) {
      run.timings.httpdLineAt = performance.now();
      for (const fn of [...run.httpdLine]) fn();
    }
    const fatal = detectFatalLine(line);
    if (fatal !== null && run.fatal === null) {
      run.fatal = fatal;
      wake();
    }
  }, fromOffset);
  let closed = false;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    hooks.readLogNow(); // its last words, before anyone looks at the tail
    resolveGone();
    hooks.onGone(run);
  };
  child.once('error', (error) => {
    run.exit = { code: null, signal: null, error: error.message };
    wake();
    finish();
  });
  child.once('exit', (code, signal) => {
    run.exit = { code, signal, error: null };
    wake();
    finish();
  });
  return run;
}

/** SIGTERM the group, SIGKILL after the grace period, and wait until none of it is left. */
export async function killRun(run: Running, graceMs: number, note: (line: string) => void): Promise<void> {
  run.expectedExit = true;
  if (run.pid > 0 && run.exit === null) {
    const gone = await killProcessGroup(run.pid, { graceMs });
    if (!gone) note(`Process group ${run.pid} did not go away after SIGKILL.`);
  } else if (run.pid > 0) {
    // The leader is gone; anything it started in its group goes too.
    signalGroup(run.pid, 'SIGKILL');
  }
  let graceTimer: NodeJS.Timeout | undefined;
  await Promise.race([run.gone, new Promise((resolve) => (graceTimer = setTimeout(resolve, 2000)))]);
  clearTimeout(graceTimer); // left pending, it would keep a finished CLI alive for 2 s
}
