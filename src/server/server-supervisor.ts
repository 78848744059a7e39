import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { ServerEventMap, ServerLogEvent, ServerStateEvent } from '../api/server-events.js';
import { FactoryError } from '../errors/factory-error.js';
import { killProcessGroup, signalGroup } from '../sandbox/process-tree.js';
import { completionProbe } from './completion-probe.js';
import type { LaunchBuilder, LaunchSpec } from './launch-spec.js';
import { MemorySampler, type MemorySamplerOptions } from './memory/memory-sampler.js';
import { readPidFile, removePidFile, writePidFile, type PidFileRecord } from './pid-file.js';
import { canConnect, findFreePort, identifyListener, isPortFree, waitForPortOpen } from './port-probe.js';
import { commandLineOf, isProcessAlive, looksLikeRecordedServer } from './process-info.js';
import { detectFatalLine, isRequestLine, LogFileTailer, LogTail, ServerLogFile, SUPERVISOR_MARK, type FatalLine } from './server-log.js';
import { serverPaths, type ServerPaths } from './server-paths.js';
import { decideRestart, DEFAULT_RESTART_POLICY, INITIAL_STATUS, reduceServerStatus, restartsOf, type RestartPolicy, type ServerAction, type ServerStatus } from './server-status.js';
import { TypedEmitter } from './typed-emitter.js';

/**
 * Owns one model server process: finds a port, adopts a server that already answers there (or
 * that a previous run of the app left behind), launches `mlx_lm.server` in its own process group,
 * waits until a 1-token completion answers, restarts it with backoff when it dies, unloads it when
 * idle, and stops the whole group. Everything it does is a `server.state` or `server.log` event.
 */
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
  readonly sampler?: Omit<MemorySamplerOptions, 'serverPid'>;
  /** Whether another live supervisor's server may be used (default true). */
  readonly adopt?: boolean;
}

/** Milestones of the latest launch, for the bench and for "it took N s to load" messages. */
export interface LaunchTimings {
  readonly spawnedAt: number;
  portOpenAt: number | null;
  httpdLineAt: number | null;
  readyAt: number | null;
}

interface Running {
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

interface AdoptedServer {
  readonly pid: number | null;
  readonly pgid: number | null;
  readonly port: number;
  readonly owned: boolean;
  readonly since: number;
  watch: NodeJS.Timeout | null;
}

type ReadyOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: 'exited' | 'fatal' | 'timeout' | 'probe' | 'cancelled'; readonly fatal?: FatalLine; readonly detail: string };

const HOST = '127.0.0.1';
const TAIL_LINES = 25;
const ORPHAN_KILL_GRACE_MS = 3000;

export class ServerSupervisor {
  readonly memory: MemorySampler;
  private readonly events = new TypedEmitter<ServerEventMap>();
  private readonly host: string;
  private readonly preferredPort: number;
  private readonly policy: RestartPolicy;
  private readonly paths: ServerPaths;
  private readonly tail = new LogTail(200);
  private readonly logFile: ServerLogFile;
  private tailer: LogFileTailer | null = null;
  private current: ServerStatus = INITIAL_STATUS;
  private running: Running | null = null;
  private adopted: AdoptedServer | null = null;
  private pendingStart: Promise<void> | null = null;
  private startAbort: AbortController | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private lastActivity = Date.now();
  private epochCount = 0;
  private lastTimings: LaunchTimings | null = null;
  private readonly stateWaiters = new Set<() => void>();
  private exitHook: (() => void) | null = null;

  constructor(private readonly options: SupervisorOptions) {
    this.host = options.host ?? HOST;
    this.preferredPort = options.port ?? 8080;
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.paths = serverPaths(options.home);
    this.logFile = new ServerLogFile(this.paths.logFile, options.logMaxBytes, options.logKeep);
    this.memory = new MemorySampler({ ...options.sampler, serverPid: () => this.current.pid });
    this.memory.on('memory.sample', (sample) => this.events.emit('memory.sample', sample));
  }

  // ------------------------------------------------------------------ public API

  on<K extends keyof ServerEventMap>(type: K, listener: (event: ServerEventMap[K]) => void): () => void {
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
    return this.paths.logFile;
  }

  /** The last lines the server printed (and ours, prefixed [supervisor]). */
  logTail(count = TAIL_LINES): string[] {
    return this.tail.last(count);
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
    if (this.pendingStart === null && (state === 'stopped' || state === 'unloaded' || state === 'failed')) {
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
    this.inFlight += 1;
    this.lastActivity = Date.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
      this.lastActivity = Date.now();
    };
  }

  /**
   * Stops the server (SIGTERM to its process group, SIGKILL after the grace period) and waits until
   * no process of it is left. A server that belongs to another live supervisor is left running.
   */
  async stop(detail = 'Stopped.'): Promise<void> {
    this.startAbort?.abort();
    this.clearTimers();
    if (this.pendingStart !== null) await this.pendingStart.catch(() => undefined);
    await this.terminate(detail, 'stopped');
    this.memory.stop();
    this.unfollow();
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
        this.dispatch({ type: 'failed', detail: message.split('\n')[0] ?? message, logTail: this.tail.last(TAIL_LINES) });
      }
      throw error;
    } finally {
      if (this.startAbort === abort) this.startAbort = null;
    }
  }

  /** The pid file of an earlier run: adopt its server if it answers, clean it up if it is a hung orphan. */
  private async tryAdopt(signal: AbortSignal): Promise<boolean> {
    const record = readPidFile(this.paths.pidFile);
    if (record !== null) {
      const adopted = await this.handlePidFile(record, signal);
      if (adopted) return true;
    }
    return false;
  }

  private async handlePidFile(record: PidFileRecord, signal: AbortSignal): Promise<boolean> {
    if (!isProcessAlive(record.pid)) {
      this.note(`Removed a stale pid file: the server it names (pid ${record.pid}) is gone.`);
      removePidFile(this.paths.pidFile, record.pid);
      return false;
    }
    const ownerAlive = record.supervisorPid !== process.pid && isProcessAlive(record.supervisorPid);
    const url = `http://${record.host}:${record.port}`;
    if (record.model === this.options.model && this.options.adopt !== false) {
      const probe = await completionProbe(url, { timeoutMs: this.options.adoptProbeTimeoutMs ?? 10_000, signal });
      if (probe.ok) {
        const owned = !ownerAlive;
        if (owned) writePidFile(this.paths.pidFile, { ...record, supervisorPid: process.pid, state: 'ready' });
        const whose = owned ? 'left by an earlier run; it is ours now' : `run by process ${record.supervisorPid}; it stays theirs`;
        this.adopt({ pid: record.pid, pgid: record.pgid, port: record.port, owned }, `Adopted the server already running at ${url} (pid ${record.pid}, ${whose}).`);
        return true;
      }
      if (ownerAlive) {
        this.note(`The server of process ${record.supervisorPid} at ${url} does not answer (${probe.reason}); leaving it to its owner.`);
        return false;
      }
      this.note(`A server left by an earlier run (pid ${record.pid}, ${url}) does not answer (${probe.reason}).`);
    } else if (ownerAlive) {
      this.note(`Process ${record.supervisorPid} runs ${record.model} at ${url}; starting our own for ${this.options.model}.`);
      return false;
    }
    // An orphan that is hung or serves another model: ours to clean up, if it is what we recorded.
    const command = await commandLineOf(record.pid);
    if (command !== null && looksLikeRecordedServer(command, record.command, record.port)) {
      this.note(`Stopping the orphaned server (pid ${record.pid}, ${record.model}) so it does not hold memory.`);
      await killProcessGroup(record.pgid, { graceMs: Math.min(this.options.stopGraceMs ?? ORPHAN_KILL_GRACE_MS, ORPHAN_KILL_GRACE_MS) });
    } else {
      this.note(`pid ${record.pid} from the pid file now runs something else; not touching it.`);
    }
    removePidFile(this.paths.pidFile, record.pid);
    return false;
  }

  /** The preferred port, unless something holds it: then adopt it (an OpenAI server with our model) or move on. */
  private async choosePort(signal: AbortSignal): Promise<number | 'adopted'> {
    const preferred = this.preferredPort;
    if (await isPortFree(this.host, preferred)) return preferred;
    const listener = await identifyListener(this.host, preferred);
    const url = `http://${this.host}:${preferred}`;
    if (listener.kind === 'openai') {
      if (this.options.adopt !== false && listener.models.includes(this.options.model)) {
        const probe = await completionProbe(url, { timeoutMs: this.options.adoptProbeTimeoutMs ?? 10_000, signal });
        if (probe.ok) {
          this.adopt({ pid: null, pgid: null, port: preferred, owned: false }, `Adopted the OpenAI-compatible server already serving ${this.options.model} at ${url} (not started by us: it is left running on stop).`);
          return 'adopted';
        }
        this.note(`The server at ${url} lists ${this.options.model} but does not answer (${probe.reason}).`);
      } else {
        this.note(`Port ${preferred} is taken by an OpenAI-compatible server for other models (${listener.models.slice(0, 3).join(', ') || 'none listed'}).`);
      }
    } else if (listener.kind === 'other') {
      this.note(`Port ${preferred} is used by something that is not an OpenAI-compatible server (${listener.detail}).`);
    }
    const port = await findFreePort(this.host, preferred + 1);
    if (port === null) throw this.startFailure(`No free port from ${preferred} to ${preferred + 50} on ${this.host}. Set server.port in factory.yaml to a free one.`, []);
    this.note(`Using port ${port} instead of ${preferred}.`);
    return port;
  }

  private adopt(server: Omit<AdoptedServer, 'since' | 'watch'>, detail: string): void {
    this.adopted = { ...server, since: Date.now(), watch: null };
    this.epochCount += 1;
    this.lastActivity = Date.now();
    this.dispatch({ type: 'adopted', port: server.port, pid: server.pid, owned: server.owned, detail });
    // A server a killed run of ours left behind still writes into our log file: follow it there.
    if (server.pid !== null) this.follow(null);
    this.watchAdopted(this.adopted);
    if (server.owned) this.armIdleTimer();
  }

  /** We hold no handle on an adopted process: poll whether it lives (pid) or listens (port only). */
  private watchAdopted(server: AdoptedServer): void {
    let misses = 0;
    server.watch = setInterval(() => {
      void (async () => {
        const alive = server.pid !== null ? isProcessAlive(server.pid) : await canConnect(this.host, server.port, 1000);
        misses = alive ? 0 : misses + 1;
        if (misses < (server.pid !== null ? 1 : 2) || this.adopted !== server || this.current.state !== 'adopted') return;
        if (server.watch !== null) clearInterval(server.watch);
        server.watch = null;
        this.adopted = null;
        if (server.owned) removePidFile(this.paths.pidFile, server.pid ?? undefined);
        this.handleCrash(`The adopted server on port ${server.port}${server.pid !== null ? ` (pid ${server.pid})` : ''} is gone.`, Date.now() - server.since, server.port);
      })();
    }, 500);
    server.watch.unref();
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
      const run = this.spawnServer(port, await this.options.launch(port, this.host));
      let outcome: ReadyOutcome;
      try {
        outcome = await this.waitUntilReady(run, signal);
      } catch (error) {
        await this.killRun(run); // never leave a launched process behind on a bug of ours
        throw error;
      }
      if (outcome.ok) {
        run.timings.readyAt = performance.now();
        const took = ((run.timings.readyAt - run.timings.spawnedAt) / 1000).toFixed(1);
        this.writeRecord(run, 'ready');
        this.dispatch({ type: 'ready', detail: `Ready at http://${this.host}:${run.port} (pid ${run.pid}, ${took} s from launch).` });
        this.lastActivity = Date.now();
        this.armIdleTimer();
        return;
      }
      await this.killRun(run);
      if (signal.aborted) throw new FactoryError('SERVER_START_FAILED', 'The server start was cancelled (the server was stopped).');
      if (outcome.reason === 'fatal' && outcome.fatal === 'port-in-use' && attempt < 3) {
        const next = await findFreePort(this.host, port + 1);
        if (next !== null) {
          this.note(`Port ${port} was taken while the server started; trying ${next}.`);
          port = next;
          continue;
        }
      }
      const lines = this.tail.last(TAIL_LINES);
      if (initial) {
        const failure = this.startFailure(outcome.detail, lines);
        this.dispatch({ type: 'failed', detail: failure.message.split('\n')[0] ?? failure.message, logTail: lines });
        throw failure;
      }
      this.handleCrash(outcome.detail, performance.now() - run.startedAt, run.port);
      return;
    }
  }

  private spawnServer(port: number, spec: LaunchSpec): Running {
    const command = [spec.command, ...spec.args];
    this.note(`Launching: ${command.join(' ')}`);
    const spawnedAt = performance.now();
    // Its output goes straight to the log file (see ServerLogFile for why not through pipes), and a
    // tailer reads it back for events. detached: the server leads a new process group (setsid), so
    // one signal reaches all of it and Ctrl-C in a terminal does not hit it behind our back.
    const fromOffset = this.logFile.size();
    const fd = this.logFile.openForChild();
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
    this.lastTimings = run.timings;
    const wake = (): void => {
      for (const fn of [...run.wake]) fn();
    };
    this.follow((line) => {
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
      this.tailer?.readNow(); // its last words, before anyone looks at the tail
      resolveGone();
      if (this.running === run) this.running = null;
      this.onRunGone(run);
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
    if (child.pid !== undefined) {
      this.running = run;
      this.epochCount += 1;
      this.dispatch({ type: 'launching', port, pid: child.pid, detail: `Starting ${this.options.model} on port ${port} (pid ${child.pid})…` });
      this.writeRecord(run, 'starting');
      this.installExitHook();
    }
    return run;
  }

  /** Port open (fast TCP polling), then a 1-token completion; a fatal line or an exit ends it early. */
  private async waitUntilReady(run: Running, signal: AbortSignal): Promise<ReadyOutcome> {
    if (run.pid < 0) {
      await run.gone;
      return { ok: false, reason: 'exited', detail: `Could not run ${run.command[0] ?? ''}: ${run.exit?.error ?? 'spawn failed'}.` };
    }
    const timeoutMs = this.options.readyTimeoutMs ?? 600_000;
    const local = new AbortController();
    const stop = (): void => local.abort();
    run.wake.add(stop);
    signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(stop, timeoutMs);
    try {
      const url = `http://${this.host}:${run.port}`;
      const nudge = (fn: () => void): (() => void) => {
        run.httpdLine.add(fn);
        return () => run.httpdLine.delete(fn);
      };
      if (await waitForPortOpen(this.host, run.port, local.signal, this.options.portPollMs ?? 25, nudge)) {
        run.timings.portOpenAt = performance.now();
        this.note(`Port ${run.port} open after ${((run.timings.portOpenAt - run.timings.spawnedAt) / 1000).toFixed(2)} s; waiting for the model to answer.`);
        while (!local.signal.aborted) {
          const probe = await completionProbe(url, { timeoutMs: Math.max(1000, timeoutMs - (performance.now() - run.startedAt)), signal: local.signal });
          if (probe.ok) return { ok: true };
          if (local.signal.aborted) break;
          if (!probe.retryable) return { ok: false, reason: 'probe', detail: `The server answered the readiness check with ${probe.reason}.` };
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      return this.explainNotReady(run, signal, timeoutMs);
    } finally {
      clearTimeout(timer);
      run.wake.delete(stop);
      signal.removeEventListener('abort', stop);
    }
  }

  private explainNotReady(run: Running, signal: AbortSignal, timeoutMs: number): ReadyOutcome {
    if (signal.aborted) return { ok: false, reason: 'cancelled', detail: 'Cancelled.' };
    if (run.fatal === 'load-failed') {
      return { ok: false, reason: 'fatal', fatal: 'load-failed', detail: 'The server could not load the model (its generation thread died; see its last lines below).' };
    }
    if (run.fatal === 'port-in-use') return { ok: false, reason: 'fatal', fatal: 'port-in-use', detail: `Port ${run.port} is already in use.` };
    if (run.exit !== null) {
      const how = run.exit.error ?? (run.exit.signal !== null ? `was killed by ${run.exit.signal}` : `exited with code ${String(run.exit.code)}`);
      return { ok: false, reason: 'exited', detail: `The server ${how} before it was ready.` };
    }
    return { ok: false, reason: 'timeout', detail: `The server did not answer a completion within ${Math.round(timeoutMs / 1000)} s.` };
  }

  /**
   * Follows the log file from `fromOffset`: each server line becomes a `server.log` event, counts
   * as activity when it is a request, and goes to `extra` (readiness watches it for fatal lines).
   */
  private follow(extra: ((line: string) => void) | null, fromOffset = this.logFile.size()): void {
    this.tailer?.stop();
    let lines = 0;
    this.tailer = new LogFileTailer(this.paths.logFile, fromOffset, (line) => {
      if (line.includes(SUPERVISOR_MARK)) return; // ours, already reported
      this.recordLine('server', line);
      if (isRequestLine(line)) this.lastActivity = Date.now();
      extra?.(line);
      if (++lines % 200 === 0) this.logFile.rotateIfNeeded();
    });
    this.tailer.start();
  }

  private unfollow(): void {
    this.tailer?.stop();
    this.tailer = null;
  }

  // ------------------------------------------------------------------ exits, crashes, restarts

  private onRunGone(run: Running): void {
    this.removeExitHookIfIdle();
    if (run.expectedExit) return;
    if (this.current.state !== 'ready' || this.current.pid !== run.pid) return; // start-up exits are handled by waitUntilReady
    removePidFile(this.paths.pidFile, run.pid);
    const how = run.exit?.signal != null ? `was killed by ${run.exit.signal}` : `exited with code ${String(run.exit?.code ?? null)}`;
    this.handleCrash(`The server (pid ${run.pid}) ${how}.`, performance.now() - run.startedAt, run.port);
  }

  private handleCrash(detail: string, uptimeMs: number, port: number): void {
    this.disarmIdleTimer();
    const lines = this.tail.last(TAIL_LINES);
    this.dispatch({ type: 'exited', uptimeMs, detail, logTail: lines });
    const decision = decideRestart(this.current, uptimeMs, this.policy);
    if (!decision.restart) {
      this.dispatch({
        type: 'failed',
        detail: `Gave up after ${this.current.crashStreak} crashes in a row, each within ${Math.round(this.policy.fastCrashWindowMs / 1000)} s of starting. Last: ${detail} See ${this.paths.logFile}.`,
        logTail: lines,
      });
      return;
    }
    const seconds = decision.delayMs / 1000;
    this.dispatch({ type: 'restart-scheduled', delayMs: decision.delayMs, detail: `${detail} Restarting in ${seconds} s (crash ${this.current.crashStreak} of at most ${this.policy.maxFastCrashes} in a row).` });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.relaunch(port);
    }, decision.delayMs);
  }

  private async relaunch(previousPort: number): Promise<void> {
    if (this.current.state !== 'restarting') return;
    const abort = new AbortController();
    this.startAbort = abort;
    const attempt = (async () => {
      const port = (await isPortFree(this.host, previousPort)) ? previousPort : await findFreePort(this.host, previousPort + 1);
      if (port === null) {
        this.dispatch({ type: 'failed', detail: `No free port near ${previousPort} to restart the server on.`, logTail: [] });
        return;
      }
      await this.launchUntilReady(port, abort.signal, false);
    })();
    this.pendingStart = attempt.catch(() => undefined);
    try {
      await attempt;
    } catch (error) {
      // A cancelled restart is stop()'s to report; anything else (the runtime vanished…) ends it.
      const state = this.status.state; // read again: it changed while we awaited
      if (!abort.signal.aborted && (state === 'starting' || state === 'restarting')) {
        const message = error instanceof Error ? error.message : String(error);
        this.dispatch({ type: 'failed', detail: `Could not restart the server: ${message.split('\n')[0] ?? message}`, logTail: this.tail.last(TAIL_LINES) });
      }
    } finally {
      if (this.startAbort === abort) this.startAbort = null;
      this.pendingStart = null;
    }
  }

  // ------------------------------------------------------------------ idle unload

  private armIdleTimer(): void {
    this.disarmIdleTimer();
    const idleMs = this.options.idleUnloadMs ?? 0;
    if (idleMs <= 0) return;
    const every = Math.max(50, Math.min(idleMs / 4, 15_000));
    this.idleTimer = setInterval(() => {
      const ours = this.current.state === 'ready' || (this.current.state === 'adopted' && this.current.owned);
      if (!ours || this.inFlight > 0) return;
      if (Date.now() - this.lastActivity < idleMs) return;
      this.disarmIdleTimer();
      void this.terminate(`Unloaded after ${formatMinutes(idleMs)} without requests; the next request loads it again.`, 'unloaded');
    }, every);
    this.idleTimer.unref();
  }

  private disarmIdleTimer(): void {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
  }

  // ------------------------------------------------------------------ stop

  private clearTimers(): void {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.disarmIdleTimer();
  }

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
    this.unfollow();
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
    run.expectedExit = true;
    if (run.pid > 0 && run.exit === null) {
      const gone = await killProcessGroup(run.pid, { graceMs: this.options.stopGraceMs ?? 5000 });
      if (!gone) this.note(`Process group ${run.pid} did not go away after SIGKILL.`);
    } else if (run.pid > 0) {
      // The leader is gone; anything it started in its group goes too.
      signalGroup(run.pid, 'SIGKILL');
    }
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([run.gone, new Promise((resolve) => (graceTimer = setTimeout(resolve, 2000)))]);
    clearTimeout(graceTimer); // left pending, it would keep a finished CLI alive for 2 s
    if (this.running === run) this.running = null;
    removePidFile(this.paths.pidFile, run.pid);
  }

  /** If this process exits without stop() (an uncaught error in the CLI), take the server down too. */
  private installExitHook(): void {
    if (this.exitHook !== null) return;
    this.exitHook = () => {
      const run = this.running;
      if (run !== null && run.pid > 0) {
        try {
          process.kill(-run.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    process.on('exit', this.exitHook);
  }

  private removeExitHookIfIdle(): void {
    if (this.running === null && this.exitHook !== null) {
      process.off('exit', this.exitHook);
      this.exitHook = null;
    }
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
      this.note(`Could not write ${this.paths.pidFile}: ${error instanceof Error ? error.message : String(error)} (a crash of the app would leave the server behind).`);
    }
  }

  private dispatch(action: ServerAction): void {
    const previous = this.current.state;
    try {
      this.current = reduceServerStatus(this.current, action, this.policy);
    } catch (error) {
      // A transition the state machine lacks is a bug of ours; it runs inside process event
      // handlers, where a throw would take the whole app down. Record it and keep going.
      this.note(`internal: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.note(`${this.current.state}: ${this.current.detail}`, false);
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

  private recordLine(stream: ServerLogEvent['stream'], line: string): void {
    this.tail.add(stream === 'supervisor' ? `[supervisor] ${line}` : line);
    this.events.emit('server.log', { type: 'server.log', stream, line, time: new Date().toISOString() });
  }

  /** A supervisor line: into the log file (marked) and the tail, and, unless it is a state change, a `server.log` event. */
  private note(line: string, emit = true): void {
    this.logFile.rotateIfNeeded();
    this.logFile.append(`${new Date().toISOString()}${SUPERVISOR_MARK}${line}`);
    if (emit) this.recordLine('supervisor', line);
    else this.tail.add(`[supervisor] ${line}`);
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

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 ? `${Number(minutes.toFixed(1))} min` : `${Math.round(ms / 1000)} s`;
}
