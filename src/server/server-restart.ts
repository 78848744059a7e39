import { findFreePort, isPortFree } from './port-probe.js';
import { respondToCrash, type RestartPolicy } from './server-restart-policy.js';
import type { ServerAction, ServerStatus } from './server-status.js';

/** What the restart job needs from the supervisor: its state, its log, and its launch. */
export interface RestartHooks {
  readonly host: string;
  readonly policy: RestartPolicy;
  /** Named in the "gave up" detail, so the user knows where to look. */
  readonly logFile: string;
  status(): ServerStatus;
  dispatch(action: ServerAction): void;
  /** The server's last log lines, kept with the crash. */
  logTail(): readonly string[];
  /**
   * Launches on `port` and waits until it answers. A process that does not become ready is the
   * supervisor's to report as another crash (through `crashed`); a throw ends the restarts.
   */
  launch(port: number, signal: AbortSignal): Promise<void>;
}

/**
 * The supervisor's restart job, performed: after a crash it says so (`exited`), asks the restart
 * policy what to do, and either gives up (`failed`) or relaunches after the back-off — on the same
 * port when it is free, else the next free one. `cancel` (a Stop) wins over a scheduled or running
 * restart.
 */
export class CrashRestart {
  private timer: NodeJS.Timeout | null = null;
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly hooks: RestartHooks) {}

  /** A relaunch is under way (its launch has not ended yet). */
  get inProgress(): boolean {
    return this.running !== null;
  }

  /** A server in use died (or a relaunch did not come up): report it, then restart or give up as the policy says. */
  crashed(crash: { readonly detail: string; readonly uptimeMs: number; readonly port: number }): void {
    const logTail = this.hooks.logTail();
    this.hooks.dispatch({ type: 'exited', uptimeMs: crash.uptimeMs, detail: crash.detail, logTail });
    // Read after the dispatch: the streak now counts this crash.
    const response = respondToCrash(
      this.hooks.status().crashStreak,
      { detail: crash.detail, uptimeMs: crash.uptimeMs, logTail },
      this.hooks.policy,
      this.hooks.logFile,
    );
    this.hooks.dispatch(response.action);
    if (!('delayMs' in response)) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.relaunch(crash.port);
    }, response.delayMs);
  }

  /** No restart after this: drops a scheduled one, cancels one under way, and resolves once that has ended. */
  cancel(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    return this.running ?? Promise.resolve();
  }

  private async relaunch(previousPort: number): Promise<void> {
    if (this.hooks.status().state !== 'restarting') return;
    const abort = new AbortController();
    this.abort = abort;
    const attempt = (async () => {
      const port = await relaunchPort(this.hooks.host, previousPort);
      if (port === null) {
        this.hooks.dispatch({ type: 'failed', detail: `No free port near ${previousPort} to restart the server on.`, logTail: [] });
        return;
      }
      await this.hooks.launch(port, abort.signal);
    })();
    this.running = attempt.catch(() => undefined);
    try {
      await attempt;
    } catch (error) {
      // A cancelled restart is stop()'s to report; anything else (the runtime vanished…) ends it.
      const state = this.hooks.status().state; // read again: it changed while we awaited
      if (!abort.signal.aborted && (state === 'starting' || state === 'restarting')) {
        const message = error instanceof Error ? error.message : String(error);
        this.hooks.dispatch({
          type: 'failed',
          detail: `Could not restart the server: ${message.split('\n')[0] ?? message}`,
          logTail: this.hooks.logTail(),
        });
      }
    } finally {
      if (this.abort === abort) this.abort = null;
      this.running = null;
    }
  }
}

/** The port a restart launches on: the previous one if it is free, else the next free one (null: none). */
async function relaunchPort(host: string, previousPort: number): Promise<number | null> {
  return (await isPortFree(host, previousPort)) ? previousPort : findFreePort(host, previousPort + 1);
}
