import { z } from 'zod';
import type { DoctorCheck, ModelInfo, ServerStatus } from '../../api/payloads.js';
import type { ServerEvent, ServerStateName } from '../../api/server-events.js';
import type { FactoryConfig } from '../../config/config-schema.js';
import { FactoryError, toFactoryError } from '../../errors/factory-error.js';
import type { ChatModel } from '../../llm/llm-types.js';
import { normaliseBaseUrl, OpenAiChatModel } from '../../llm/openai-chat-model.js';
import type { ModelServer } from '../model-server.js';
import { portOf } from '../url-port.js';
import { readApiKey } from './api-key.js';

export interface ExternalServerOptions {
  readonly config: () => FactoryConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly probeTimeoutMs?: number;
}

const modelsResponseSchema = z.object({ data: z.array(z.object({ id: z.string() }).loose()) }).loose();

/**
 * "An OpenAI-compatible server at URL" (server.url): nothing to launch or supervise. Start checks it
 * answers and reads its models from /v1/models; the model asked of it is server.model when the
 * server lists it, else the first one it lists (what LM Studio or vLLM have loaded).
 */
export class ExternalServerControl implements ModelServer {
  private state: ServerStateName = 'stopped';
  private previous: ServerStateName = 'stopped';
  private detail = 'Not checked yet.';
  private served: string[] = [];
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(event: ServerEvent) => void>();
  private readonly url: string;

  constructor(private readonly options: ExternalServerOptions) {
    const url = options.config().server.url;
    if (url === null) throw new FactoryError('INTERNAL', 'ExternalServerControl needs server.url.');
    this.url = url.replace(/\/+$/, '');
  }

  /** The model requests name: server.model if the server serves it, else the first it lists. */
  model(): string {
    const wanted = this.options.config().server.model;
    return this.served.includes(wanted) || this.served.length === 0 ? wanted : (this.served[0] ?? wanted);
  }

  async start(): Promise<ServerStatus> {
    this.set('starting', `Checking ${this.url}…`);
    try {
      const key = await readApiKey(this.options.config().server.api_key_env, { env: this.options.env });
      const response = await fetch(`${normaliseBaseUrl(this.url)}/models`, {
        headers: key !== undefined ? { Authorization: `Bearer ${key}` } : {},
        signal: AbortSignal.timeout(this.options.probeTimeoutMs ?? 5_000),
      });
      if (response.status === 401 || response.status === 403)
        throw new FactoryError(
          'SERVER_UNREACHABLE',
          `${this.url} refused the request (HTTP ${response.status}): set server.api_key_env to the variable that holds its API key.`,
        );
      if (!response.ok) throw new FactoryError('SERVER_UNREACHABLE', `${this.url}/v1/models answered HTTP ${response.status}.`);
      const parsed = modelsResponseSchema.safeParse(await response.json());
      this.served = parsed.success ? parsed.data.data.map((m) => m.id) : [];
      const chosen = this.model();
      const note = chosen !== this.options.config().server.model ? ` (${this.options.config().server.model} is not served there)` : '';
      this.set('adopted', `Using ${chosen}${note} on the OpenAI-compatible server at ${this.url}.`);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const message =
        error instanceof FactoryError ? error.message : `Nothing answers at ${this.url} (${cause ?? toFactoryError(error).message}).`;
      this.set('failed', `${message} Check the server, or the URL in Settings → Server.`);
    }
    return this.status();
  }

  async stop(): Promise<ServerStatus> {
    this.set('stopped', `Not using ${this.url} (it keeps running; it is not ours to stop).`);
    return this.status();
  }

  status(): ServerStatus {
    const reachable = this.state === 'adopted';
    return {
      state: this.state,
      previous: this.previous,
      detail: this.detail,
      url: reachable ? this.url : null,
      port: portOf(this.url),
      pid: null,
      model: this.model(),
      owned: false,
      restarts: 0,
      logTail: [],
    };
  }

  async logs(tail: number): Promise<{ lines: string[]; file: string | null }> {
    return { lines: this.lines.slice(-tail), file: null };
  }

  async models(): Promise<{ models: ModelInfo[]; current: string }> {
    if (this.state !== 'adopted') await this.start();
    const models: ModelInfo[] = this.served.map((id) => ({
      id,
      label: id,
      recommended: false,
      onDisk: true,
      sizeBytes: null,
      diskBytes: null,
      note: `served by ${this.url}`,
      problem: null,
    }));
    return { models, current: this.model() };
  }

  onEvent(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Never measured: the server at a URL may be on another machine, and is not ours. */
  serverPid(): null {
    return null;
  }

  baseUrl(): string | null {
    return this.state === 'adopted' ? this.url : null;
  }

  /** Checks the server unless it answered already; rejects with SERVER_UNREACHABLE when it does not answer. */
  async ensure(): Promise<void> {
    if (this.state !== 'adopted') await this.start();
    if (this.state !== 'adopted') throw new FactoryError('SERVER_UNREACHABLE', this.detail);
  }

  async chatModel(timeoutMs: number): Promise<ChatModel> {
    await this.ensure();
    const apiKey = await readApiKey(this.options.config().server.api_key_env, { env: this.options.env });
    return new OpenAiChatModel({ baseUrl: this.url, timeoutMs, model: this.model(), apiKey });
  }

  async dispose(): Promise<void> {
    this.listeners.clear();
  }

  readonly doctor = {
    run: async (): Promise<DoctorCheck[]> => {
      const status = this.state === 'adopted' ? this.status() : await this.start();
      return [
        {
          id: 'external-server',
          label: 'OpenAI-compatible server',
          status: status.state === 'adopted' ? 'ok' : 'error',
          detail: status.detail,
          fix: status.state === 'adopted' ? null : 'Check the server, or the URL in Settings → Server.',
        },
      ];
    },
  };

  private set(state: ServerStateName, detail: string): void {
    this.previous = this.state;
    this.state = state;
    this.detail = detail;
    const time = new Date().toISOString();
    const line = `${time} [external] ${state}: ${detail}`;
    this.lines.push(line);
    if (this.lines.length > 500) this.lines.splice(0, this.lines.length - 500);
    for (const listener of [...this.listeners]) {
      listener({ type: 'server.log', stream: 'supervisor', line, time });
      listener({ type: 'server.state', ...this.status(), time });
    }
  }
}
