import type { ServerEventMap, ServerStateEvent } from '../api/server-events.js';
import { FactoryError } from '../errors/factory-error.js';
import { killProcessGroup } from '../sandbox/process-tree.js';
import { ExitKill } from './exit-kill.js';
import { IdleUnload, formatIdle } from './idle-unload.js';
import type { LaunchBuilder, LaunchSpec } from './launch-spec.js';
import { removePidFile, writePidFile, type PidFileRecord } from './pid-file.js';
import { findFreePort } from './port-probe.js';
import { adoptFromPidFile, choosePort, watchAdopted, type AdoptContext, type AdoptedServer, type AdoptFinding } from './server-adopt.js';
import { killRun, spawnServer, type LaunchTimings, type Running } from './server-launch.js';
import { serverPaths, type ServerPaths } from './server-paths.js';
import { waitUntilReady, type ReadyOutcome } from './server-readiness.js';
import { CrashRestart } from './server-restart.js';
import { adoptedGoneDetail, crashOfRunEnd, DEFAULT_RESTART_POLICY, type RestartPolicy } from './server-restart-policy.js';
import { INITIAL_STATUS, reduceServerStatus, restartsOf, type ServerAction, type ServerStatus } from './server-status.js';
import { SupervisorLog } from './supervisor-log.js';
import { TypedEmitter } from './typed-emitter.js';

/** What a supervisor tells: its state and log lines (memory is sampled elsewhere). */
type SupervisorEventMap = Pick<ServerEventMap, 'server.state' | 'server.log'>;

/** How a supervisor finds, launches, restarts and unloads its server. */
export interface SupervisorOptions {
  readonly home: string;
  /** The --model string: recorded in the pid file and compared before adopting a server. */
  readonly model: string;
  readonly launch: LaunchBuilder;
  readonly host?: string;
  /** The preferred port; the next free one is used when it is taken. Default 8080. */
  readonly port?: number;
  /** Stop after this long without requests (0 = never); the next request starts it again. */
  readonly idleUnloadMs?: number;
  /** From spawn to the first completion (large models load for minutes from a slow disk). */
  readonly readyTimeoutMs?: number;
  readonly restart?: Partial<RestartPolicy>;
  /** SIGTERM → SIGKILL. mlx_lm.server dies at once on SIGTERM; a stand-in may need longer. */
  readonly stopGraceMs?: number;
  /** How long a server found running gets to answer a 1-token completion before it counts as hung. */
  readonly adoptProbeTimeoutMs?: number;
  /** TCP connect polling while waiting for the port (the bench's detection target is < 100 ms). */
  readonly portPollMs?: number;
  readonly logMaxBytes?: number;
  readonly logKeep?: number;
  /** Whether another live supervisor's server may be used (default true). */
  readonly adopt?: boolean;
}

export type { LaunchTimings } from './server-launch.js';

const HOST = '127.0.0.1';
const TAIL_LINES = 25;

/**
 * Owns one model server process: finds a port, adopts a server that already answers there (or
 * that a previous run of the app left behind), launches `mlx_lm.server` in its own process group,
 * waits until a 1-token completion answers, restarts it with backoff when it dies, unloads it when
 * idle, and stops the whole group. Everything it does is a `server.state` or `server.log` event.
 * Each job lives in its own file: server-adopt, server-launch, server-readiness, server-restart
 * (crash → back-off → relaunch, as server-restart-policy decides), idle-unload, supervisor-log
 * (the log file, its tail and follower), exit-kill; this class holds the state and sequences
 * them. Memory is sampled by whoever shows it (src/server/memory).
 */
export class ServerSupervisor {
  private readonly events = new TypedEmitter<SupervisorEventMap>();
  private readonly host: string;
  private readonly preferredPort: number;
  private readonly policy: RestartPolicy;
  private readonly paths: ServerPaths;
  private readonly log: SupervisorLog;
  private current: ServerStatus = INITIAL_STATUS;
  private running: Running | null = null;
  private adopted: AdoptedServer | null = null;
  /** Counts stop() calls, so a restart can tell that a Stop came in while it was stopping. */
  private stops = 0;
  private pendingStart: Promise<void> | null = null;
  private startAbort: AbortController | null = null;
  private readonly restarts: CrashRestart;
  private readonly idle = new IdleUnload();
  private epochCount = 0;
  private lastTimings: LaunchTimings | null = null;
  private readonly stateWaiters = new Set<() => void>();
  private readonly exitKill = new ExitKill();

  constructor(private readonly options: SupervisorOptions) {
    this.host = options.host ?? HOST;
    this.preferredPort = options.port ?? 8080;
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.paths = serverPaths(options.home);
    this.log = new SupervisorLog({
      file: this.paths.logFile,
      maxBytes: options.logMaxBytes,
      keep: options.logKeep,
      emit: (event) => this.events.emit('server.log', event),
      onRequest: () => this.idle.touch(),
    });
    this.restarts = new CrashRestart({
      host: this.host,
      policy: this.policy,
      logFile: this.paths.logFile,
      status: () => this.current,
      dispatch: (action) => this.dispatch(action),
      logTail: () => this.log.last(TAIL_LINES),
      launch: (port, signal) => this.launchUntilReady(port, signal, false),
    });
  }

  // ------------------------------------------------------------------ public API

  on<K extends keyof SupervisorEventMap>(type: K, listener: (event: SupervisorEventMap[K]) => void): () => void {
    return this.events.on(type, listener);
  }

  get status(): ServerStatus {
    return this.current;
  }

  get model(): string {
    return this.options.model;
  }

  /** http://127.0.0.1:PORT of the server in use (or being started), else null. */
  get url(): string | null {
    return this.current.port === null ? null : `http://${this.host}:${this.current.port}`;
  }

  /** Changes whenever a different server process is in use (launch, restart, adoption). */
  get epoch(): number {
    return this.epochCount;
  }

  get timings(): LaunchTimings | null {
    return this.lastTimings;
  }

  get logPath(): string {
    return this.log.path;
  }

  /** A line of ours in the server's log (prefixed [supervisor]), e.g. the batching flags chosen for this machine. */
  note(line: string): void {
    this.log.note(line);
  }

  /** The last lines the server printed (and ours, prefixed [supervisor]). */
  logTail(count = TAIL_LINES): string[] {
    return this.log.last(count);
  }

  /** The state event as it would be emitted now (for a client that connects later). */
  snapshot(): ServerStateEvent {
    return this.stateEvent(this.current.state);
  }

  /**
   * Starts (or adopts) a server and resolves once it answers a completion. Rejects with
   * SERVER_START_FAILED (with the server's last lines) when it cannot; a concurrent call shares
   * the same attempt.
   */
  start(): Promise<void> {
    const { state } = this.current;
    if (state === 'ready' || state === 'adopted') return Promise.resolve();
    if (this.pendingStart === null && !this.restarts.inProgress && (state === 'stopped' || state === 'unloaded' || state === 'failed')) {
      const attempt = this.doStart().finally(() => {
        if (this.pendingStart === attempt) this.pendingStart = null;
      });
      this.pendingStart = attempt;
      return attempt;
    }
    // Starting, restarting or stopping already: wait for where that ends.
    return this.ensureReady().then(() => undefined);
  }

  /**
   * The URL of a server that answers, starting or reloading one when needed and waiting out a
   * restart in progress. Throws SERVER_FAILED when the supervisor has given up.
   */
  async ensureReady(signal?: AbortSignal): Promise<string> {
    for (;;) {
      if (signal?.aborted === true) throw new FactoryError('LLM_CANCELLED', 'Cancelled while waiting for the model server.');
      const { state } = this.current;
      if ((state === 'ready' || state === 'adopted') && this.url !== null) return this.url;
      if (state === 'failed') throw this.failedError();
      if (state === 'stopped' || state === 'unloaded') {
        await this.start();
        continue;
      }
      await this.nextStateChange(signal);
    }
  }

  /** Marks a request in flight (no idle unload meanwhile); call the returned function when it ends. */
  beginRequest(): () => void {
    return this.idle.beginRequest();
  }

  /** Model requests in flight now (a restart for another launch waits until none is). */
  get requestsInFlight(): number {
    return this.idle.busy;
  }

  /** Called each time the last request in flight ends. */
  onRequestsDrained(listener: () => void): () => void {
    return this.idle.onDrained(listener);
  }

  /** Whether the server in use is one this supervisor launched (so a relaunch can change its flags). */
  get launchedHere(): boolean {
    return this.running !== null && this.current.state === 'ready';
  }

  /**
   * Stops the server we launched and launches it again (its launch builder chooses the flags anew),
   * saying why in the log and the state's detail. Callers restart only when no request is in flight.
   */
  async restartFor(detail: string): Promise<void> {
    if (!this.launchedHere) return;
    this.log.note(detail);
    const stopsBefore = this.stops;
    await this.stop(detail);
    // The user pressed Stop (or the app quit) while we stopped: that wins, no relaunch behind their back.
    if (this.stops !== stopsBefore + 1) return;
    await this.start();
  }

  /**
   * Stops the server (SIGTERM to its process group, SIGKILL after the grace period) and waits until
   * no process of it is left. A server that belongs to another live supervisor is left running.
   */
  async stop(detail = 'Stopped.'): Promise<void> {
    this.stops += 1;
    this.startAbort?.abort();
    const restart = this.restarts.cancel();
    this.idle.disarm();
    if (this.pendingStart !== null) await this.pendingStart.catch(() => undefined);
    await restart;
    await this.terminate(detail, 'stopped');
    this.log.unfollow();
  }

  // ------------------------------------------------------------------ start

  private async doStart(): Promise<void> {
    const abort = new AbortController();
    this.startAbort = abort;
    this.dispatch({ type: 'starting', detail: `Looking for a running server for ${this.options.model}…` });
    try {
      if (await this.tryAdopt(abort.signal)) return;
      const port = await this.choosePort(abort.signal);
      if (port === 'adopted') return;
      await this.launchUntilReady(port, abort.signal, true);
    } catch (error) {
      // Failures before a launch (no free port…) end the start too; a cancelled start is stop()'s to report.
      if (!abort.signal.aborted && this.current.state === 'starting') {
        const message = error instanceof Error ? error.message : String(error);
        this.dispatch({ type: 'failed', detail: message.split('\n')[0] ?? message, logTail: this.log.last(TAIL_LINES) });
      }
      throw error;
    } finally {
      if (this.startAbort === abort) this.startAbort = null;
    }
  }

  private adoptContext(): AdoptContext {
    return {
      host: this.host,
      model: this.options.model,
      pidFile: this.paths.pidFile,
      adopt: this.options.adopt !== false,
      probeTimeoutMs: this.options.adoptProbeTimeoutMs ?? 10_000,
      stopGraceMs: this.options.stopGraceMs,
      note: (line) => this.log.note(line),
    };
  }

  private async tryAdopt(signal: AbortSignal): Promise<boolean> {
    const found = await adoptFromPidFile(this.adoptContext(), signal);
    if (found === null) return false;
    this.adopt(found);
    return true;
  }

  /** The preferred port, unless something holds it: then adopt it (an OpenAI server with our model) or move on. */
  private async choosePort(signal: AbortSignal): Promise<number | 'adopted'> {
    const preferred = this.preferredPort;
    const choice = await choosePort(this.adoptContext(), preferred, signal);
    if (choice.kind === 'adopt') {
      this.adopt(choice.found);
      return 'adopted';
    }
    if (choice.kind === 'none')
      throw this.startFailure(
        `No free port from ${preferred} to ${preferred + 50} on ${this.host}. Set server.port in factory.yaml to a free one.`,
        [],
      );
    return choice.port;
  }

  private adopt({ server, detail }: AdoptFinding): void {
    const adopted: AdoptedServer = { ...server, since: Date.now(), watch: null };
    this.adopted = adopted;
    this.epochCount += 1;
    this.idle.touch();
    this.dispatch({ type: 'adopted', port: server.port, pid: server.pid, owned: server.owned, detail });
    // A server a killed run of ours left behind still writes into our log file: follow it there.
    if (server.pid !== null) this.log.follow(null);
    watchAdopted(
      adopted,
      this.host,
      () => this.adopted === adopted && this.current.state === 'adopted',
      () => {
        this.adopted = null;
        if (adopted.owned) removePidFile(this.paths.pidFile, adopted.pid ?? undefined);
        this.crashed(adoptedGoneDetail(adopted.port, adopted.pid), Date.now() - adopted.since, adopted.port);
      },
    );
    if (server.owned) this.armIdleTimer();
  }

  // ------------------------------------------------------------------ launch

  /**
   * Launches on `port` and waits for readiness; on "address already in use" (the port was taken
   * between our check and the bind) moves to the next free port, at most three times.
   * Initial start: a failure rejects with SERVER_START_FAILED. Restart: a failure is a crash.
   */
  private async launchUntilReady(firstPort: number, signal: AbortSignal, initial: boolean): Promise<void> {
    let port = firstPort;
    for (let attempt = 1; ; attempt++) {
      const spec = await this.options.launch(port, this.host);
      const run = this.spawnServer(port, spec);
      let outcome: ReadyOutcome;
      try {
        outcome = await waitUntilReady(
          run,
          {
            host: this.host,
            timeoutMs: this.options.readyTimeoutMs ?? 600_000,
            portPollMs: this.options.portPollMs ?? 25,
            note: (line) => this.log.note(line),
          },
          signal,
        );
      } catch (error) {
        await this.killRun(run); // never leave a launched process behind on a bug of ours
        throw error;
      }
      if (outcome.ok) {
        run.timings.readyAt = performance.now();
        const took = ((run.timings.readyAt - run.timings.spawnedAt) / 1000).toFixed(1);
        this.writeRecord(run, 'ready');
        const note = spec.note === undefined ? '' : ` ${spec.note}`;
        this.dispatch({
          type: 'ready',
          detail: `Ready at http://${this.host}:${run.port} (pid ${run.pid}, ${took} s from launch).${note}`,
        });
        this.idle.touch();
        this.armIdleTimer();
        return;
      }
      await this.killRun(run);
      if (signal.aborted) throw new FactoryError('SERVER_START_FAILED', 'The server start was cancelled (the server was stopped).');
      if (outcome.reason === 'fatal' && outcome.fatal === 'port-in-use' && attempt < 3) {
        const next = await findFreePort(this.host, port + 1);
        if (next !== null) {
          this.log.note(`Port ${port} was taken while the server started; trying ${next}.`);
          port = next;
          continue;
        }
      }
      const lines = this.log.last(TAIL_LINES);
      if (initial) {
        const failure = this.startFailure(outcome.detail, lines);
        this.dispatch({ type: 'failed', detail: failure.message.split('\n')[0] ?? failure.message, logTail: lines });
        throw failure;
      }
      this.crashed(outcome.detail, performance.now() - run.startedAt, run.port);
      return;
    }
  }

  private spawnServer(port: number, spec: LaunchSpec): Running {
    this.log.note(`Launching: ${[spec.command, ...spec.args].join(' ')}`);
    const run = spawnServer(port, spec, {
      logFile: this.log.file,
      follow: (onLine, fromOffset) => this.log.follow(onLine, fromOffset),
      readLogNow: () => this.log.readNow(),
      onGone: (gone) => {
        if (this.running === gone) this.running = null;
        this.onRunGone(gone);
      },
    });
    this.lastTimings = run.timings;
    if (run.child.pid !== undefined) {
      this.running = run;
      this.epochCount += 1;
      this.dispatch({ type: 'launching', port, pid: run.pid, detail: `Starting ${this.options.model} on port ${port} (pid ${run.pid})…` });
      this.writeRecord(run, 'starting');
      this.exitKill.arm(() => this.running?.pid ?? null);
    }
    return run;
  }

  // ------------------------------------------------------------------ exits and crashes

  private onRunGone(run: Running): void {
    if (this.running === null) this.exitKill.disarm();
    const crash = crashOfRunEnd(this.current, run);
    if (crash === null) return;
    removePidFile(this.paths.pidFile, run.pid);
    this.crashed(crash, performance.now() - run.startedAt, run.port);
  }

  /** The server in use is gone (or a relaunch did not come up): no idle unload of it; restart or give up. */
  private crashed(detail: string, uptimeMs: number, port: number): void {
    this.idle.disarm();
    this.restarts.crashed({ detail, uptimeMs, port });
  }

  // ------------------------------------------------------------------ idle unload

  private armIdleTimer(): void {
    const ours = (): boolean => this.current.state === 'ready' || (this.current.state === 'adopted' && this.current.owned);
    this.idle.arm(this.options.idleUnloadMs ?? 0, ours, (idleMs) => {
      void this.terminate(`Unloaded after ${formatIdle(idleMs)} without requests; the next request loads it again.`, 'unloaded');
    });
  }

  // ------------------------------------------------------------------ stop

  private async terminate(detail: string, end: 'stopped' | 'unloaded'): Promise<void> {
    const run = this.running;
    const adopted = this.adopted;
    if (adopted?.watch != null) clearInterval(adopted.watch);
    this.adopted = null;
    if (run !== null) {
      if (this.current.state !== 'stopping') this.dispatch({ type: 'stopping', detail: `Stopping the server (pid ${run.pid})…` });
      await this.killRun(run);
    } else if (adopted !== null && adopted.owned && adopted.pgid !== null) {
      this.dispatch({ type: 'stopping', detail: `Stopping the adopted server (pid ${adopted.pid ?? '?'})…` });
      await killProcessGroup(adopted.pgid, { graceMs: this.options.stopGraceMs ?? 5000 });
      removePidFile(this.paths.pidFile, adopted.pid ?? undefined);
    } else if (adopted !== null) {
      detail = `${detail} The server at http://${this.host}:${adopted.port} was not started by us and keeps running.`;
    }
    this.log.unfollow();
    const state = this.current.state;
    if (end === 'unloaded') {
      if (state === 'stopping') this.dispatch({ type: 'unloaded', detail });
      return;
    }
    if (state === 'stopping' || state === 'stopped' || state === 'adopted' || state === 'failed' || state === 'unloaded') {
      this.dispatch({ type: 'stopped', detail });
    } else {
      this.dispatch({ type: 'stopping', detail });
      this.dispatch({ type: 'stopped', detail });
    }
  }

  /** SIGTERM the group, SIGKILL after the grace period, and wait until none of it is left. */
  private async killRun(run: Running): Promise<void> {
    await killRun(run, this.options.stopGraceMs ?? 5000, (line) => this.log.note(line));
    if (this.running === run) this.running = null;
    removePidFile(this.paths.pidFile, run.pid);
  }

  // ------------------------------------------------------------------ bookkeeping

  private writeRecord(run: Running, state: PidFileRecord['state']): void {
    try {
      writePidFile(this.paths.pidFile, {
        pid: run.pid,
        pgid: run.pid,
        host: this.host,
        port: run.port,
        model: this.options.model,
        command: [...run.command],
        startedAt: new Date(performance.timeOrigin + run.startedAt).toISOString(),
        supervisorPid: process.pid,
        state,
      });
    } catch (error) {
      this.log.note(
        `Could not write ${this.paths.pidFile}: ${error instanceof Error ? error.message : String(error)} (a crash of the app would leave the server behind).`,
      );
    }
  }

  private dispatch(action: ServerAction): void {
    const previous = this.current.state;
    try {
      this.current = reduceServerStatus(this.current, action, this.policy);
    } catch (error) {
      // A transition the state machine lacks is a bug of ours; it runs inside process event
      // handlers, where a throw would take the whole app down. Record it and keep going.
      this.log.note(`internal: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.log.note(`${this.current.state}: ${this.current.detail}`, false);
    const event = this.stateEvent(previous);
    this.events.emit('server.state', event);
    for (const waiter of [...this.stateWaiters]) waiter();
  }

  private stateEvent(previous: ServerStatus['state']): ServerStateEvent {
    const s = this.current;
    return {
      type: 'server.state',
      state: s.state,
      previous,
      detail: s.detail,
      url: this.url,
      port: s.port,
      pid: s.pid,
      model: this.options.model,
      owned: s.owned,
      restarts: restartsOf(s),
      logTail: [...s.logTail],
      time: new Date().toISOString(),
    };
  }

  private nextStateChange(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stateWaiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.stateWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private startFailure(detail: string, lines: readonly string[]): FactoryError {
    const shown = lines.length > 0 ? `\nIts last lines (full log: ${this.paths.logFile}):\n${lines.map((l) => `  ${l}`).join('\n')}` : '';
    return new FactoryError('SERVER_START_FAILED', `${detail}${shown}`, { logTail: [...lines], logFile: this.paths.logFile });
  }

  private failedError(): FactoryError {
    const lines = this.current.logTail;
    const shown = lines.length > 0 ? `\nIts last lines:\n${lines.map((l) => `  ${l}`).join('\n')}` : '';
    return new FactoryError('SERVER_FAILED', `The model server is down: ${this.current.detail}${shown}`, { logTail: [...lines] });
  }
}
