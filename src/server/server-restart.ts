import { findFreePort, isPortFree } from './port-probe.js';
import { decideRestart, type RestartPolicy, type ServerAction, type ServerStatus } from './server-status.js';

/**
 * The supervisor's restart job, as decisions: after a crash (status already `crashed`), either give
 * up (`failed`, saying why and where the log is) or schedule a restart after the back-off; the
 * restart goes to the same port when it is free, else the next free one.
 */
export type CrashResponse =
  | { readonly action: ServerAction & { type: 'failed' } }
  | { readonly action: ServerAction & { type: 'restart-scheduled' }; readonly delayMs: number };

export function respondToCrash(
  status: ServerStatus,
  crash: { detail: string; uptimeMs: number; logTail: readonly string[] },
  policy: RestartPolicy,
  logFile: string,
): CrashResponse {
  const decision = decideRestart(status, crash.uptimeMs, policy);
  if (!decision.restart) {
    return {
      action: {
        type: 'failed',
        detail: `Gave up after ${status.crashStreak} crashes in a row, each within ${Math.round(policy.fastCrashWindowMs / 1000)} s of starting. Last: ${crash.detail} See ${logFile}.`,
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
      detail: `${crash.detail} Restarting in ${seconds} s (crash ${status.crashStreak} of at most ${policy.maxFastCrashes} in a row).`,
    },
  };
}

/** The port a restart launches on: the previous one if it is free, else the next free one (null: none). */
export async function relaunchPort(host: string, previousPort: number): Promise<number | null> {
  return (await isPortFree(host, previousPort)) ? previousPort : findFreePort(host, previousPort + 1);
}
