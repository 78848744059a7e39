import type { ServerStatus } from '../api/payloads.js';
import type { ServerLogEvent, ServerStateEvent } from '../api/server-events.js';
import type { FactoryConfig } from '../config/config-schema.js';
import type { ChatModel } from '../llm/llm-types.js';
import { createMlxSupervisor, type MlxSupervisorOptions } from './create-mlx-supervisor.js';
import { statusOfEvent, type CommandModelServer } from './model-server.js';
import type { ServerSupervisor } from './server-supervisor.js';
import type { ServerTuning } from './serving/server-tuning.js';
import { SupervisedChatModel } from './supervised-chat-model.js';

export interface RunServerOptions {
  readonly config: FactoryConfig;
  readonly home: string;
  /** -m MODEL (overrides server.model). */
  readonly model?: string | undefined;
  /** --port N (overrides server.port). */
  readonly port?: number | undefined;
  /** Start even when the fit check says the model cannot fit (--force). */
  readonly allowTooLarge?: boolean | undefined;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress for the terminal: state changes (starting, ready, restarting…). */
  readonly onState?: (event: ServerStateEvent) => void;
  readonly onLog?: (event: ServerLogEvent) => void;
  readonly onWarning?: (message: string) => void;
  /** Tests: launch the scripted server instead of mlx_lm. */
  readonly launch?: MlxSupervisorOptions['launch'];
  readonly supervisor?: MlxSupervisorOptions['supervisor'];
  /** Sessions that share this server from the start: more than one runs it without the draft model. */
  readonly sessions?: number | undefined;
}

/**
 * `mlx-factory run` without --server-url / --no-server: use the server that already runs for this
 * model (a `server start`, the app, or one a killed run left behind), or start one; after the run,
 * stop it if this run owns it, and leave it alone if someone else does.
 */
export class RunServer implements CommandModelServer {
  readonly supervisor: ServerSupervisor;
  /** The --model string the server runs. */
  readonly model: string;
  /** The batching and cache flags chosen for this machine, and the model's KV bytes per token (null: unknown). */
  readonly serving: { readonly tuning: ServerTuning; readonly kvBytesPerToken: number | null };

  constructor(options: RunServerOptions) {
    const { supervisor, model, tuning } = createMlxSupervisor({
      config: options.config,
      home: options.home,
      model: options.model,
      port: options.port,
      allowTooLarge: options.allowTooLarge,
      cwd: options.cwd,
      env: options.env,
      onWarning: options.onWarning,
      launch: options.launch,
      supervisor: options.supervisor,
      ...(options.sessions !== undefined ? { sessions: options.sessions } : {}),
    });
    if (options.onState !== undefined) supervisor.on('server.state', options.onState);
    if (options.onLog !== undefined) supervisor.on('server.log', options.onLog);
    this.supervisor = supervisor;
    this.model = model.arg;
    this.serving = { tuning, kvBytesPerToken: model.kvBytesPerToken };
  }

  /** http://127.0.0.1:PORT (changes only if a restart had to move to another port; use chatModel). */
  get url(): string {
    return this.supervisor.url ?? '';
  }

  async ensure(): Promise<void> {
    try {
      await this.supervisor.start();
    } catch (error) {
      await this.supervisor.stop('The run could not start its server.');
      throw error;
    }
  }

  /** A ChatModel that waits out restarts and retries a turn the server died in (llm_timeout per try). */
  chatModel(timeoutMs: number): ChatModel {
    return new SupervisedChatModel(this.supervisor, { timeoutMs });
  }

  status(): ServerStatus {
    return statusOfEvent(this.supervisor.snapshot());
  }

  /** Stops the server if this run started (or took over) it; leaves someone else's running. */
  stop(): Promise<void> {
    return this.supervisor.stop('The run is over.');
  }

  /** The same as stop: the name the run and its tests have used. */
  stopAfter(): Promise<void> {
    return this.stop();
  }
}

export async function ensureServerForRun(options: RunServerOptions): Promise<RunServer> {
  const server = new RunServer(options);
  await server.ensure();
  return server;
}
