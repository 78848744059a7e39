import { completionProbe } from './completion-probe.js';
import { waitForPortOpen } from './port-probe.js';
import type { Running } from './server-launch.js';
import type { FatalLine } from './server-log.js';

/**
 * The supervisor's readiness job: a launched server is ready once its port is open (fast TCP
 * polling, nudged by its "Starting httpd" line) and a 1-token completion answers; a fatal log line,
 * an exit, a cancel or the timeout ends the wait early with the reason.
 */
export type ReadyOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'exited' | 'fatal' | 'timeout' | 'probe' | 'cancelled';
      readonly fatal?: FatalLine;
      readonly detail: string;
    };

export interface ReadinessOptions {
  readonly host: string;
  /** From spawn to the first completion. */
  readonly timeoutMs: number;
  readonly portPollMs: number;
  readonly note: (line: string) => void;
}

export async function waitUntilReady(run: Running, options: ReadinessOptions, signal: AbortSignal): Promise<ReadyOutcome> {
  if (run.pid < 0) {
    await run.gone;
    return { ok: false, reason: 'exited', detail: `Could not run ${run.command[0] ?? ''}: ${run.exit?.error ?? 'spawn failed'}.` };
  }
  const { host, timeoutMs } = options;
  const local = new AbortController();
  const stop = (): void => local.abort();
  run.wake.add(stop);
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, timeoutMs);
  try {
    const url = `http://${host}:${run.port}`;
    const nudge = (fn: () => void): (() => void) => {
      run.httpdLine.add(fn);
      return () => run.httpdLine.delete(fn);
    };
    if (await waitForPortOpen(host, run.port, local.signal, options.portPollMs, nudge)) {
      run.timings.portOpenAt = performance.now();
      options.note(
        `Port ${run.port} open after ${((run.timings.portOpenAt - run.timings.spawnedAt) / 1000).toFixed(2)} s; waiting for the model to answer.`,
      );
      while (!local.signal.aborted) {
        const probe = await completionProbe(url, {
          timeoutMs: Math.max(1000, timeoutMs - (performance.now() - run.startedAt)),
          signal: local.signal,
        });
        if (probe.ok) return { ok: true };
        if (local.signal.aborted) break;
        if (!probe.retryable)
          return { ok: false, reason: 'probe', detail: `The server answered the readiness check with ${probe.reason}.` };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return explainNotReady(run, signal, timeoutMs);
  } finally {
    clearTimeout(timer);
    run.wake.delete(stop);
    signal.removeEventListener('abort', stop);
  }
}

function explainNotReady(run: Running, signal: AbortSignal, timeoutMs: number): ReadyOutcome {
  if (signal.aborted) return { ok: false, reason: 'cancelled', detail: 'Cancelled.' };
  if (run.fatal === 'load-failed') {
    return {
      ok: false,
      reason: 'fatal',
      fatal: 'load-failed',
      detail: 'The server could not load the model (its generation thread died; see its last lines below).',
    };
  }
  if (run.fatal === 'port-in-use')
    return { ok: false, reason: 'fatal', fatal: 'port-in-use', detail: `Port ${run.port} is already in use.` };
  if (run.exit !== null) {
    const how =
      run.exit.error ?? (run.exit.signal !== null ? `was killed by ${run.exit.signal}` : `exited with code ${String(run.exit.code)}`);
    return { ok: false, reason: 'exited', detail: `The server ${how} before it was ready.` };
  }
  return { ok: false, reason: 'timeout', detail: `The server did not answer a completion within ${Math.round(timeoutMs / 1000)} s.` };
}
