import fs from 'node:fs';
import type { DoctorCheck, ModelInfo, ServerStatus } from '../api/payloads.js';
import type { ServerEvent } from '../api/server-events.js';
import type { FactoryConfig } from '../config/config-schema.js';
import type { ChatModel } from '../llm/llm-types.js';
import { createMlxSupervisor, type MlxSupervisorOptions } from './create-mlx-supervisor.js';
import { apiDoctorChecks } from './doctor-report.js';
import { statusOfEvent, type ModelServer } from './model-server.js';
import { modelCatalog } from './models/model-catalog.js';
import type { ServerSupervisor } from './server-supervisor.js';
import { serverPaths } from './server-paths.js';
import type { DraftSwitch } from './serving/draft-switch.js';
import { SupervisedChatModel } from './supervised-chat-model.js';

export interface SupervisorControlOptions {
  readonly home: string;
  /** Read again on every start, so a settings change applies to the next start. */
  readonly config: () => FactoryConfig;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Memory warnings before a launch (also emitted as a supervisor log line). */
  readonly onWarning?: (message: string) => void;
  /** Tests: launch something else than mlx_lm (the scripted server). */
  readonly launch?: MlxSupervisorOptions['launch'];
  readonly supervisor?: MlxSupervisorOptions['supervisor'];
}

/**
 * The supervisor behind the typed API (it has the shape of src/host's ServerControl and
 * DoctorProvider): one supervisor at a time for the model asked for, its events forwarded to one
 * listener set. Memory is sampled by its owner, ServerChoice, whose sampler outlives a switch to a
 * server at a URL; `serverPid` tells it which process to measure.
 */
export class SupervisorControl implements ModelServer {
  private current: {
    supervisor: ServerSupervisor;
    draft: DraftSwitch;
    serving: { decodeConcurrency: number; promptCacheBytes: number; kvBytesPerToken: number | null };
    model: string;
    port: number | undefined;
    off: () => void;
  } | null = null;
  /** Sessions the app runs now (the draft model is used only while one runs). */
  private sessions = 0;
  private readonly listeners = new Set<(event: ServerEvent) => void>();

  constructor(private readonly options: SupervisorControlOptions) {}

  /** The server process to measure (null while none runs, or one adopted by port only). */
  serverPid(): number | null {
    return this.current?.supervisor.status.pid ?? null;
  }

  /** Starts (or adopts) a server for `model` (default server.model); a different model replaces the current one. */
  async start(request: { model?: string | undefined; port?: number | undefined } = {}): Promise<ServerStatus> {
    const config = this.options.config();
    const model = request.model ?? config.server.model;
    const current = this.current;
    if (current !== null && (current.model !== model || (request.port !== undefined && request.port !== current.port))) {
      await current.supervisor.stop('Replaced by a start for another model or port.');
      current.off();
      this.current = null;
    }
    if (this.current === null) {
      const {
        supervisor,
        draft,
        tuning,
        model: resolved,
      } = createMlxSupervisor({
        sessions: this.sessions,
        config,
        home: this.options.home,
        model,
        port: request.port,
        cwd: this.options.cwd,
        env: this.options.env,
        launch: this.options.launch,
        supervisor: this.options.supervisor,
        onWarning: (message) => {
          this.options.onWarning?.(message);
          this.emit({ type: 'server.log', stream: 'supervisor', line: `warning: ${message}`, time: new Date().toISOString() });
        },
      });
      const offState = supervisor.on('server.state', (event) => this.emit(event));
      const offLog = supervisor.on('server.log', (event) => this.emit(event));
      this.current = {
        supervisor,
        draft,
        serving: {
          decodeConcurrency: tuning.decodeConcurrency,
          promptCacheBytes: tuning.promptCacheBytes,
          kvBytesPerToken: resolved.kvBytesPerToken,
        },
        model,
        port: request.port,
        off: () => (offState(), offLog(), draft.detach()),
      };
    }
    await this.current.supervisor.start();
    return this.status();
  }

  /** How many sessions the app runs now: with more than one the server runs without the draft model (restarted when idle). */
  sessionsRunning(count: number): void {
    this.sessions = count;
    this.current?.draft.setSessions(count);
  }

  /** The batching figures our server was started with, for the host's scheduler (null before a start). */
  serving(): { decodeConcurrency: number; promptCacheBytes: number; kvBytesPerToken: number | null } | null {
    return this.current?.serving ?? null;
  }

  /** The draft switch of the server in use (tests wait on it; null before a start). */
  get draft(): DraftSwitch | null {
    return this.current?.draft ?? null;
  }

  async stop(): Promise<ServerStatus> {
    await this.current?.supervisor.stop('Stopped from the app.');
    return this.status();
  }

  status(): ServerStatus {
    const supervisor = this.current?.supervisor;
    if (supervisor === undefined) {
      return {
        state: 'stopped',
        previous: 'stopped',
        detail: 'Not started.',
        url: null,
        port: null,
        pid: null,
        model: this.options.config().server.model,
        owned: false,
        restarts: 0,
        logTail: [],
      };
    }
    return statusOfEvent(supervisor.snapshot());
  }

  /** The last lines of the server's log file (it outlives the supervisor and holds earlier runs too). */
  async logs(tail: number): Promise<{ lines: string[]; file: string | null }> {
    const file = serverPaths(this.options.home).logFile;
    try {
      const text = await fs.promises.readFile(file, 'utf8');
      return { lines: text.trimEnd().split('\n').slice(-tail), file };
    } catch {
      return { lines: this.current?.supervisor.logTail(tail) ?? [], file: null };
    }
  }

  /** The recommended models and the ones on disk (the hub cache), merged by id. */
  async models(): Promise<{ models: ModelInfo[]; current: string }> {
    const current = this.current?.model ?? this.options.config().server.model;
    const models: ModelInfo[] = await modelCatalog({
      env: this.options.env,
      folders: this.options.config().server.model_dirs,
      configured: current,
    });
    return { models, current };
  }

  /** The supervisor's state and log events (and our memory warnings before a launch). */
  onEvent(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A server for the configured model, started unless one is in use (a new session, or Resume, retries one that gave up). */
  async ensure(): Promise<void> {
    if (this.current === null || this.current.supervisor.status.state === 'failed') await this.start();
  }

  /** The URL while a server answers; null while stopped, unloaded or restarting (use chatModel to wait). */
  baseUrl(): string | null {
    const supervisor = this.current?.supervisor;
    if (supervisor === undefined) return null;
    const { state } = supervisor.status;
    return state === 'ready' || state === 'adopted' ? supervisor.url : null;
  }

  /**
   * A ChatModel for sessions that starts the server if needed, reloads it after an idle unload,
   * and retries a turn the server died in once it is back (llm_timeout per try).
   */
  async chatModel(timeoutMs: number): Promise<ChatModel> {
    await this.ensure();
    const supervisor = this.current?.supervisor;
    if (supervisor === undefined) throw new Error('no supervisor after start');
    return new SupervisedChatModel(supervisor, { timeoutMs });
  }

  /** On quit: stop what we started (a server someone else runs is left alone). */
  async dispose(): Promise<void> {
    await this.current?.supervisor.stop('The app quit.');
    this.current?.off();
    this.current = null;
  }

  /** `doctor.run` for the API: the same checks as `mlx-factory doctor`. */
  readonly doctor = {
    run: (): Promise<DoctorCheck[]> => {
      const now = this.status();
      const running = { state: now.state, port: now.port, pid: now.pid, owned: now.owned };
      return apiDoctorChecks({
        config: this.options.config(),
        home: this.options.home,
        cwd: this.options.cwd,
        env: this.options.env,
        running,
      });
    },
  };

  private emit(event: ServerEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
