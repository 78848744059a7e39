/**
 * The few lines of shell that run before the sandbox program (bwrap, sandbox-exec) or the command
 * itself, in the process that will become the run's group leader: join the run's cgroups, set the
 * rlimits, start the parent watchdog, then `exec` — same pid, so the exit status, the process group
 * and the leader's signals are exactly those of what it execs. Pure.
 *
 * Why a shell and not Node: Node cannot call setrlimit(), and a process must join a cgroup before it
 * forks for all of its children to be counted; the leader doing it for itself before anything else
 * runs leaves no gap.
 */
import { CPU_KILL_GRACE_SECONDS } from './resource-limits.js';
import { shellQuote } from './shell-quote.js';

export interface PreludePlan {
  /** `cgroup.procs` files the leader writes its pid to (one per hierarchy on cgroup v1). */
  readonly cgroupProcsFiles: readonly string[];
  /** RLIMIT_CPU soft limit, seconds (hard = soft + a grace); null = leave as is. */
  readonly cpuSeconds: number | null;
  /** RLIMIT_DATA, bytes (soft = hard); null = leave as is. */
  readonly dataBytes: number | null;
  /** RLIMIT_NPROC (soft = hard); null = leave as is. */
  readonly maxUserProcesses: number | null;
  /**
   * File descriptor of a pipe whose other end only the host holds. When it reads EOF (the host
   * died, however), the watchdog SIGKILLs the run's process group. Used where no PID namespace
   * does that (no sandbox, macOS). null = no watchdog.
   */
  readonly watchdogFd: number | null;
  /** Files opened for reading on these descriptors for what is exec'd (bwrap's seccomp program). */
  readonly inputFds?: ReadonlyArray<{ readonly fd: number; readonly file: string }>;
}

const JOIN_FAILED = "mlx-factory: warning: could not join the run's cgroup; its memory and process limits are not enforced";

/** The script for `/bin/sh -c SCRIPT PROGRAM ARGS…`: it ends by exec'ing "$0" "$@". */
export function buildLimitPrelude(plan: PreludePlan): string {
  const lines: string[] = [];
  if (plan.cgroupProcsFiles.length > 0) {
    const joins = plan.cgroupProcsFiles.map((file) => `echo $$ >${shellQuote(file)}`).join(' && ');
    lines.push(`{ ${joins}; } 2>/dev/null || echo ${shellQuote(JOIN_FAILED)} >&2`);
  }
  // Soft before hard: lowering the hard limit below the current soft one is an error.
  if (plan.cpuSeconds !== null) {
    lines.push(`ulimit -S -t ${plan.cpuSeconds} 2>/dev/null; ulimit -H -t ${plan.cpuSeconds + CPU_KILL_GRACE_SECONDS} 2>/dev/null`);
  }
  if (plan.dataBytes !== null) {
    const kb = Math.max(1, Math.floor(plan.dataBytes / 1024));
    lines.push(`ulimit -S -d ${kb} 2>/dev/null; ulimit -H -d ${kb} 2>/dev/null`);
  }
  if (plan.maxUserProcesses !== null) {
    const n = plan.maxUserProcesses;
    // bash and zsh spell RLIMIT_NPROC -u; dash spells it -p (bash's -p is the pipe size, read-only).
    lines.push(`{ ulimit -S -u ${n} && ulimit -H -u ${n}; } 2>/dev/null || { ulimit -S -p ${n} && ulimit -H -p ${n}; } 2>/dev/null`);
  }
  const redirects = (plan.inputFds ?? []).map(({ fd, file }) => ` ${fd}<${shellQuote(file)}`).join('');
  if (plan.watchdogFd !== null) {
    const fd = plan.watchdogFd;
    // `read` blocks until the host's end closes; `kill 0` is the caller's whole process group.
    lines.push(`( IFS= read -r _ <&${fd}; kill -s KILL 0 ) </dev/null >/dev/null 2>&1 &`);
    lines.push(`exec "$0" "$@" ${fd}<&-${redirects}`);
  } else {
    lines.push(`exec "$0" "$@"${redirects}`);
  }
  return lines.join('\n');
}
