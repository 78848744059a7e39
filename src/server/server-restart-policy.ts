import type { ServerStateName } from '../api/server-events.js';

/**
 * The supervisor's restart rules as pure functions over the crash history: which end of a process
 * is a crash at all, how a crash moves the streak, and whether to restart now, after a back-off, or
 * give up — with the words the state events say. No timers or processes here (server-restart.ts
 * performs what these decide), so every rule is tested with plain values.
 */

export interface RestartPolicy {
  /** First delay; each further crash in a streak doubles it: 1 s, 2 s, 4 s … */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up (state `failed`) at this many fast crashes in a row. */
  readonly maxFastCrashes: number;
  /** A run shorter than this ends in a "fast" crash; a longer one resets the streak. */
  readonly fastCrashWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxFastCrashes: 5,
  fastCrashWindowMs: 60_000,
};

/** A run that died within the window: a server that cannot stay up, as opposed to one that ran for a while. */
export function isFastCrash(uptimeMs: number, policy: RestartPolicy): boolean {
  return uptimeMs < policy.fastCrashWindowMs;
}

/** The streak counting this crash: one more after a fast crash; a run that lived past the window starts a new streak. */
export function nextCrashStreak(crashStreak: number, uptimeMs: number, policy: RestartPolicy): number {
  return isFastCrash(uptimeMs, policy) ? crashStreak + 1 : 1;
}

export type RestartDecision = { readonly restart: true; readonly delayMs: number } | { readonly restart: false };

/**
 * After a crash (`crashStreak` already counts it): give up once a streak of fast crashes reaches
 * the limit, else restart after 1 s, 2 s, 4 s … capped (a streak of one restarts after the base delay).
 */
export function decideRestart(crashStreak: number, uptimeMs: number, policy: RestartPolicy): RestartDecision {
  if (isFastCrash(uptimeMs, policy) && crashStreak >= policy.maxFastCrashes) return { restart: false };
  const exponent = Math.max(0, crashStreak - 1);
  return { restart: true, delayMs: Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs) };
}

/** What the supervisor dispatches after a crash: `failed` (saying why and where the log is), or a restart after `delayMs`. */
export type CrashResponse =
  | { readonly action: { readonly type: 'failed'; readonly detail: string; readonly logTail: readonly string[] } }
  | {
      readonly action: { readonly type: 'restart-scheduled'; readonly delayMs: number; readonly detail: string };
      readonly delayMs: number;
    };

export interface Crash {
  readonly detail: string;
  readonly uptimeMs: number;
  readonly logTail: readonly string[];
}

export function respondToCrash(crashStreak: number, crash: Crash, policy: RestartPolicy, logFile: string): CrashResponse {
  const decision = decideRestart(crashStreak, crash.uptimeMs, policy);
  if (!decision.restart) {
    return {
      action: {
        type: 'failed',
        detail: `Gave up after ${crashStreak} crashes in a row, each within ${Math.round(policy.fastCrashWindowMs / 1000)} s of starting. Last: ${crash.detail} See ${logFile}.`,
        logTail: crash.logTail,
      },
    };
  }
  const seconds = decision.delayMs / 1000;
  return {
    delayMs: decision.delayMs,
    action: {
      type: 'restart-scheduled',
      delayMs: decision.delayMs,
      detail: `${crash.detail} Restarting in ${seconds} s (crash ${crashStreak} of at most ${policy.maxFastCrashes} in a row).`,
    },
  };
}

/** How a launched process ended (the fields of server-launch's Running that matter here). */
export interface RunEnd {
  readonly pid: number;
  /** We stopped it (stop, unload, a relaunch for other flags): not a crash. */
  readonly expectedExit: boolean;
  readonly exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | null;
}

/**
 * The crash a process's end is, as the detail to report, or null when it is not one to respond
 * to: an exit we asked for, or one before the server was ready (readiness reports those as a
 * failed start) or of a process no longer the one in use.
 */
export function crashOfRunEnd(status: { readonly state: ServerStateName; readonly pid: number | null }, run: RunEnd): string | null {
  if (run.expectedExit) return null;
  if (status.state !== 'ready' || status.pid !== run.pid) return null;
  const how = run.exit?.signal != null ? `was killed by ${run.exit.signal}` : `exited with code ${String(run.exit?.code ?? null)}`;
  return `The server (pid ${run.pid}) ${how}.`;
}

/** The crash an adopted server's disappearance is (it is not our child, so there is no exit status to tell). */
export function adoptedGoneDetail(port: number, pid: number | null): string {
  return `The adopted server on port ${port}${pid !== null ? ` (pid ${pid})` : ''} is gone.`;
}
