import type { HistoryEvalReport } from '../api/history-eval.js';
import { runHistoryEval } from '../sessions/history-eval.js';
import crypto from 'node:crypto';
import { ProgramSettingConfirmations } from './program-setting-confirmations.js';
import path from 'node:path';
import type { GlobalEventPayload } from '../api/global-events.js';
import type { MemorySample, MergePreview, RepoStatus, SessionInfo } from '../api/payloads.js';
import type { FactoryConfig } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { appPaths, resolveAppHome, type AppPaths } from '../home/app-home.js';
import type { ChatModel } from '../llm/llm-types.js';
import { runSandboxed } from '../sandbox/index.js';
import { apiDoctorChecks } from '../server/doctor-report.js';
import { ModelPulls } from '../server/models/model-pulls.js';
import { RuntimeInstalls } from '../server/runtime/runtime-installs.js';
import { createModelServer } from '../server/create-model-server.js';
import type { CheckRunner } from '../sessions/run-attempts.js';
import type { MemoryReadings } from '../server/memory/memory-admission.js';
import { ArchivedSessions } from './archived-sessions.js';
import { HostServing } from './host-serving.js';
import { GlobalStream } from './global-stream.js';
import { MemoryHistoryFile } from './memory-history-file.js';
import { repoStatus } from './repo-status.js';
import type { DoctorProvider, ModelOps, RuntimeOps, ServerControl } from './server-control.js';
import { defaultSessionOps, type SessionOps } from './session-ops.js';
import { ExternalSessions } from './external-sessions.js';
import { SessionRefWatch } from './session-ref-watch.js';
import { RunScripts } from './run-scripts.js';
import { WorktreeAccess } from './worktree-access.js';
import { SessionRunner, type ModelContext } from './session-runner.js';
import { readSession, SessionList } from './session-views.js';
import { gitCommonDir } from '../workspace/git/common-dir.js';

export interface FactoryHostOptions {
  /** App home; defaults to MLX_FACTORY_HOME or the OS's app-data folder. */
  readonly home?: string | undefined;
  readonly version: string;
  /** Where sessions send chat requests. Default: the supervisor's URL, else server.host:port from config. */
  readonly chatModelFor?: ((context: ModelContext) => ChatModel | Promise<ChatModel>) | undefined;
  readonly runCheck?: CheckRunner | undefined;
  /** The model server; without one (tests), sessions use server.host:port from factory.yaml and server requests answer NOT_IMPLEMENTED. */
  readonly server?: ServerControl | undefined;
  /** Default: the same checks as `mlx-factory doctor`, told about the server in use. */
  readonly doctor?: DoctorProvider | undefined;
  /** Model downloads (the Models view). Default: pulls into the Hugging Face cache. */
  readonly models?: ModelOps | undefined;
  /** The MLX runtime and its install from the app. Default: the app's venv, installed as `doctor --install` does. */
  readonly runtime?: RuntimeOps | undefined;
  /** Tests replace single session operations; the rest are the real ones. */
  readonly sessionOps?: Partial<SessionOps> | undefined;
  readonly globalBacklog?: number | undefined;
  /** Memory samples kept for `memory.history` (one every few seconds: 1800 ≈ an hour or more). */
  readonly memoryHistory?: number | undefined;
  /** Tests: the memory source of the sessions' admission (default: the server control's samples). */
  readonly admissionMemory?: MemoryReadings | undefined;
}

/**
 * The service container both front doors share (the Electron main process and `mlx-factory ui`):
 * it owns the running sessions, the model-server supervisor and memory sampler, and the global
 * event stream. Request handlers (`handle-request.ts`) are written once against it.
 */
export class FactoryHost {
  /** Identifies this run of the host: global-stream seqs are only comparable within one epoch. */
  readonly epoch = crypto.randomBytes(6).toString('hex');
  /** One-time tokens for settings that run programs, issued after the user confirmed the value. */
  readonly programSettings = new ProgramSettingConfirmations();
  readonly version: string;
  readonly paths: AppPaths;
  readonly global: GlobalStream;
  readonly sessions: SessionRunner;
  readonly ops: SessionOps;
  readonly server: ServerControl | undefined;
  readonly doctor: DoctorProvider;
  /** Sessions hidden from the list by the user (nothing deleted). */
  readonly archive: ArchivedSessions;
  /** What `sessions.list` answers (kept until a session changes). */
  readonly sessionList: SessionList;
  readonly models: ModelOps;
  readonly runtime: RuntimeOps;
  /** Sessions other processes run (the CLI): their appended events, live. */
  readonly external: ExternalSessions;
  /** The base and session branches of the sessions whose merge preview was asked for. */
  readonly refWatch: SessionRefWatch;
  /** The one LLM scheduler of this host's sessions, with memory admission (#17). */
  readonly serving: HostServing;
  /** The sessions' run scripts this host started (#21). */
  readonly runs: RunScripts;
  /** What touches a session's worktree outside its loop: one at a time, and never beside its app. */
  readonly worktrees: WorktreeAccess;
  private readonly memory: MemorySample[] = [];
  private readonly memoryCapacity: number;
  /** The same history on disk: the memory view survives a restart. */
  private readonly memoryFile: MemoryHistoryFile;
  private readonly finishedListeners = new Set<(info: SessionInfo) => void>();
  private readonly stopServerEvents: () => void;
  private readonly stopPullEvents: () => void;
  private readonly stopInstallEvents: () => void;
  private shutDown: Promise<void> | undefined;
  /** Each repository's common git dir, asked of git once. */
  private readonly commonDirs = new Map<string, string>();
  private readonly chatModelFor: (context: ModelContext) => ChatModel | Promise<ChatModel>;

  constructor(options: FactoryHostOptions) {
    this.version = options.version;
    this.paths = appPaths(options.home ?? resolveAppHome());
    this.global = new GlobalStream(options.globalBacklog);
    this.memoryCapacity = options.memoryHistory ?? 1800;
    this.memoryFile = new MemoryHistoryFile(path.join(this.paths.logs, 'memory-samples.jsonl'), this.memoryCapacity);
    this.memory.push(...this.memoryFile.load());
    this.server = options.server;
    const readConfig = (): FactoryConfig => loadConfig({ userConfigFile: this.paths.userConfig }).config;
    this.doctor = options.doctor ?? {
      run: () => apiDoctorChecks({ config: readConfig(), home: this.paths.home, running: this.server?.status() ?? null }),
    };
    this.models = options.models ?? new ModelPulls({ home: this.paths.home, config: readConfig });
    this.runtime = options.runtime ?? new RuntimeInstalls({ home: this.paths.home, config: readConfig });
    this.ops = { ...defaultSessionOps, ...options.sessionOps };
    this.archive = ArchivedSessions.inHome(this.paths.home);
    this.chatModelFor = options.chatModelFor ?? ((context) => this.defaultChatModel(context));
    this.serving = new HostServing({
      config: readConfig,
      figures: () => this.server?.serving?.() ?? null,
      memory: options.admissionMemory,
    });
    this.sessions = new SessionRunner({
      paths: this.paths,
      chatModelFor: this.chatModelFor,
      runCheck: options.runCheck ?? runSandboxed,
      onUpdated: (info) => {
        this.sessionList.invalidate();
        this.global.emit({ type: 'session.updated', info: { ...info, archived: this.archive.has(info.id) } });
      },
      serverInUse: () => {
        const status = this.server?.status();
        return status === undefined ? null : { url: status.url, model: status.model };
      },
      scheduler: (size) => this.serving.schedulerFor(size),
      onRunningChanged: (count) => {
        this.serving.running(this.sessions.runningIds);
        this.server?.sessionsRunning?.(count);
      },
      onFinished: (info) => {
        for (const listener of this.finishedListeners) listener(info);
      },
    });
    this.external = new ExternalSessions({
      paths: this.paths,
      runsHere: (id) => this.sessions.liveLog(id) !== undefined,
      onChanged: (id) => {
        this.sessionList.invalidate();
        this.runs.noticeChange(id);
        try {
          this.global.emit({ type: 'session.updated', info: this.sessionInfo(id) });
        } catch {
          // Not a readable session (yet): the next change tries again.
        }
      },
    });
    this.sessionList = new SessionList(
      this.paths,
      (id) => this.sessions.runsHere(id),
      (id) => this.archive.has(id),
    );
    this.runs = new RunScripts({
      paths: this.paths,
      liveLog: (id) => this.sessions.liveLog(id),
      takenRanges: () => this.sessionList.current().rows.flatMap((row) => (row.run != null ? [row.run.range] : [])),
      emit: (payload) => this.global.emit(payload),
      onChanged: (id) => {
        this.sessionList.invalidate();
        try {
          this.global.emit({ type: 'session.updated', info: this.sessionInfo(id) });
        } catch {
          // Not readable now: the log watch announces it later.
        }
      },
    });
    this.worktrees = new WorktreeAccess(this.paths, this.runs);
    this.external.start();
    this.refWatch = new SessionRefWatch({
      onMoved: ({ id, baseBranch, baseHead, sessionHead }) =>
        this.global.emit({ type: 'session.refsMoved', id, baseBranch, baseHead, sessionHead }),
    });
    this.sessions.onLogOpened((id, log) =>
      log.subscribe((event) => {
        if (event.type === 'turn.finished' && event.usage !== null && event.usage !== undefined)
          this.serving.promptTokens(id, event.usage.promptTokens);
      }),
    );
    this.stopServerEvents =
      options.server?.onEvent((event) => {
        this.serving.observe(event);
        const { time, ...rest } = event;
        // Each sample carries the server's prompt cache and the running sessions' estimated parts of it.
        const cache = rest.type === 'memory.sample' ? this.serving.promptCacheView() : undefined;
        const payload = rest.type === 'memory.sample' && cache !== undefined ? { ...rest, promptCache: cache } : rest;
        if (payload.type === 'memory.sample') this.remember({ ...payload, time });
        this.global.emit(payload as GlobalEventPayload);
      }) ?? (() => undefined);
    this.stopPullEvents = this.models.onProgress((progress) => this.global.emit(progress));
    this.stopInstallEvents = this.runtime.onProgress((progress) => this.global.emit(progress));
  }

  private remember(sample: MemorySample & { type?: string }): void {
    const { type: _type, ...kept } = sample;
    this.memory.push(kept);
    if (this.memory.length > this.memoryCapacity) this.memory.splice(0, this.memory.length - this.memoryCapacity);
    this.memoryFile.append(kept, this.memory);
  }

  /** A session's list row as clients see it (the runner's view plus whether it is archived). */
  sessionInfo(id: string): SessionInfo {
    return { ...this.sessions.info(id), archived: this.archive.has(id) };
  }

  /**
   * A client got this merge preview: from now on a move of either branch it was made from is told
   * (`session.refsMoved`), so the preview can say it is out of date and be asked again.
   */
  async watchMergeRefs(id: string, preview: MergePreview): Promise<void> {
    const seen = { baseHead: preview.baseHead, sessionHead: preview.sessionHead };
    const record = readSession(this.paths, id);
    const known = this.commonDirs.get(record.repo) ?? (await gitCommonDir(record.repo));
    this.commonDirs.set(record.repo, known);
    this.refWatch.watch(id, { commonDir: known, baseBranch: preview.baseBranch, sessionBranch: record.branch }, seen);
  }

  memoryHistory(since?: string): MemorySample[] {
    return since === undefined ? [...this.memory] : this.memory.filter((sample) => sample.time > since);
  }

  /** Without a server choice (tests, a bare host): the supervisor's URL, else server.host:port from config. */
  /** "Which model for this repo?" (src/sessions/history-eval.ts) on the model the app's sessions use. */
  async evalHistory(params: { repo: string; count: number; check?: string | undefined }): Promise<HistoryEvalReport> {
    const repo = params.repo;
    return runHistoryEval({
      repo,
      count: params.count,
      check: params.check,
      models: [],
      bestOf: 1,
      home: this.paths.home,
      signal: new AbortController().signal,
      connect: async () => {
        const { config } = loadConfig({ repoDir: repo, userConfigFile: this.paths.userConfig });
        const model = await this.chatModelFor({ config, llmTimeoutMs: config.agent.llm_timeout * 1000 });
        return { chatModel: () => model, stop: () => Promise.resolve() };
      },
      onProgress: (progress) => this.global.emit({ type: 'eval.progress', repo, progress }),
    });
  }

  private async defaultChatModel(context: ModelContext): Promise<ChatModel> {
    const url = this.server?.baseUrl() ?? `http://${context.config.server.host}:${context.config.server.port}`;
    const server = createModelServer({
      kind: 'url',
      url,
      unreachable: `No model server answers at ${url}. Start the server first, or point server.host and server.port (Settings, factory.yaml) at one that runs.`,
    });
    await server.ensure();
    return server.chatModel(context.llmTimeoutMs);
  }

  /** A session's loop ended (passed, failed, cancelled…): for native notifications. */
  onSessionFinished(listener: (info: SessionInfo) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  /** A folder dropped outside the renderer (the tray icon): ask the UI to open New session with it. */
  async requestNewSession(path: string): Promise<RepoStatus> {
    const status = await repoStatus(path);
    this.global.emit({ type: 'app.newSession', repo: status });
    return status;
  }

  /** On quit: checkpoint running sessions (marked interrupted, resumable), then stop the server. */
  shutdown(timeoutMs = 10_000): Promise<void> {
    this.shutDown ??= (async () => {
      this.external.stop();
      this.refWatch.stop();
      // Run scripts end with the app (DESIGN "Run scripts"), their whole trees, before anything else stops.
      await this.runs.stopAll();
      await this.sessions.checkpointAll(timeoutMs);
      this.stopServerEvents();
      this.stopPullEvents();
      this.stopInstallEvents();
      this.models.cancelAll();
      this.runtime.cancel();
      await this.server?.dispose();
    })();
    return this.shutDown;
  }
}
