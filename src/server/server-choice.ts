import type { DoctorCheck, ModelInfo, ServerStatus } from '../api/payloads.js';
import type { ServerEvent } from '../api/server-events.js';
import type { FactoryConfig } from '../config/config-schema.js';
import type { ChatModel } from '../llm/llm-types.js';
import { ExternalServerControl } from './external/external-server.js';
import { MemorySampler } from './memory/memory-sampler.js';
import type { ModelServer } from './model-server.js';
import type { DraftSwitch } from './serving/draft-switch.js';
import { SupervisorControl, type SupervisorControlOptions } from './supervisor-control.js';

/** The two kinds Settings choose between; which one a config asks for is createModelServer's to decide. */
type Control = SupervisorControl | ExternalServerControl;

/** What, in the server section, needs a new control (idle_unload_minutes applies by itself). */
function serverKey(config: FactoryConfig): string {
  const { url, api_key_env, model, host, port, python } = config.server;
  const { draft_model, num_draft_tokens } = config.server;
  return JSON.stringify({ url, api_key_env, model, host, port, python, draft_model, num_draft_tokens });
}

/**
 * The app's model server as Settings chooses it: "the app's own MLX server" (SupervisorControl) or
 * "an OpenAI-compatible server at URL" (ExternalServerControl). Settings apply at once: after a
 * config change, `reconfigure` compares the server section with the one in use and, when it
 * differs, stops the old server (if it was ours), switches, and starts the new one if the old one
 * was running (an external one is checked at once) — every view hears it through server.state.
 */
export class ServerChoice implements ModelServer {
  private control: Control;
  private key: string;
  private readonly listeners = new Set<(event: ServerEvent) => void>();
  private offCurrent: (() => void) | null = null;
  private switching: Promise<void> = Promise.resolve();
  private sessions = 0;
  /**
   * One sampler for the app's life, not one per control: a switch to a server at a URL (or a
   * stop) must not stop measuring the machine and the app (issue #20: the chart froze). The
   * server's share is whatever the control in use has a process for — none for a URL.
   */
  private readonly sampler: MemorySampler;

  constructor(
    private readonly options: SupervisorControlOptions,
    /** The control a config asks for (createModelServer); neither kind samples memory itself. */
    private readonly make: (config: FactoryConfig) => Control,
  ) {
    const config = options.config();
    this.key = serverKey(config);
    this.control = this.make(config);
    this.sampler = new MemorySampler({ serverPid: () => this.control.serverPid() });
    this.sampler.on('memory.sample', (sample) => this.emit(sample));
  }

  /** Which kind is in use now (for tests and the Settings view's first paint). */
  get mode(): 'mlx' | 'external' {
    return this.control instanceof ExternalServerControl ? 'external' : 'mlx';
  }

  /** Called after Settings wrote factory.yaml. Returns once the switch is made (a start runs on in the background). */
  reconfigure(): Promise<void> {
    this.switching = this.switching.then(async () => {
      const config = this.options.config();
      const key = serverKey(config);
      if (key === this.key) return;
      this.key = key;
      const old = this.control;
      const wasRunning = old.baseUrl() !== null || ['starting', 'restarting', 'ready', 'adopted'].includes(old.status().state);
      this.offCurrent?.();
      this.offCurrent = null;
      await old.dispose();
      this.control = this.make(config);
      if (this.control instanceof SupervisorControl) this.control.sessionsRunning(this.sessions);
      if (this.listeners.size > 0) this.offCurrent = this.control.onEvent((event) => this.emit(event));
      // Every view shows the new state at once, before any start finishes.
      this.emit({
        type: 'server.state',
        ...this.control.status(),
        detail: `Settings changed: ${this.describe(config)}.`,
        time: new Date().toISOString(),
      });
      if (this.control instanceof ExternalServerControl || wasRunning) void this.control.start().catch(() => undefined);
    });
    return this.switching;
  }

  private describe(config: FactoryConfig): string {
    return config.server.url !== null
      ? `using the OpenAI-compatible server at ${config.server.url}`
      : `using the app's own MLX server for ${config.server.model}`;
  }

  async start(request: { model?: string | undefined; port?: number | undefined } = {}): Promise<ServerStatus> {
    await this.switching;
    return this.control instanceof SupervisorControl ? this.control.start(request) : this.control.start();
  }

  /** How many sessions the app runs now (the app's own server drops its draft model while several run). */
  sessionsRunning(count: number): void {
    this.sessions = count;
    if (this.control instanceof SupervisorControl) this.control.sessionsRunning(count);
  }

  /** The app's own server's batching figures (null for a server at a URL: its batching is not ours to know). */
  serving(): { decodeConcurrency: number; promptCacheBytes: number; kvBytesPerToken: number | null } | null {
    return this.control instanceof SupervisorControl ? this.control.serving() : null;
  }

  /** The draft switch of the app's own server in use (null for a server at a URL, or before a start). */
  get draft(): DraftSwitch | null {
    return this.control instanceof SupervisorControl ? this.control.draft : null;
  }

  async stop(): Promise<ServerStatus> {
    await this.switching;
    return this.control.stop();
  }

  status(): ServerStatus {
    return this.control.status();
  }

  logs(tail: number): Promise<{ lines: string[]; file: string | null }> {
    return this.control.logs(tail);
  }

  models(): Promise<{ models: ModelInfo[]; current: string }> {
    return this.control.models();
  }

  onEvent(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    this.offCurrent ??= this.control.onEvent((event) => this.emit(event));
    this.sampler.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.offCurrent?.();
        this.offCurrent = null;
        this.sampler.stop();
      }
    };
  }

  baseUrl(): string | null {
    return this.control.baseUrl();
  }

  async ensure(): Promise<void> {
    await this.switching;
    await this.control.ensure();
  }

  async chatModel(timeoutMs: number): Promise<ChatModel> {
    await this.switching;
    return this.control.chatModel(timeoutMs);
  }

  async dispose(): Promise<void> {
    this.sampler.stop();
    await this.switching;
    this.offCurrent?.();
    await this.control.dispose();
  }

  readonly doctor = {
    run: (): Promise<DoctorCheck[]> => this.control.doctor.run(),
  };

  private emit(event: ServerEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
