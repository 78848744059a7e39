import type { FactoryConfig } from '../config/config-schema.js';
import { FactoryError } from '../errors/factory-error.js';
import type { ChatModel } from '../llm/llm-types.js';
import { OpenAiChatModel } from '../llm/openai-chat-model.js';
import { assertServerReachable } from '../llm/probe-server.js';
import { ensureServerForRun } from '../server/ensure-server-for-run.js';
import { readApiKey } from '../server/external/api-key.js';
import { ExternalServerControl } from '../server/external/external-server.js';
import type { CliOutput } from './cli-output.js';

/** The --server-url / --no-server / -m / --json flags shared by `run` and `sessions resume`. */
export interface ServerFlags {
  readonly 'server-url'?: string | undefined;
  readonly 'no-server'?: boolean | undefined;
  readonly model?: string | undefined;
  readonly json?: boolean | undefined;
}

export interface ModelServer {
  /** Where turns go and the model asked for (null: the server's own), as a `plan.server` event logs it. */
  readonly chosen: { readonly url: string | null; readonly model: string | null };
  chatModel(timeoutMs: number): ChatModel;
  /** Stops a server this command started; leaves anyone else's running. */
  stopAfter(): Promise<void>;
}

/**
 * Where the model comes from. --server-url: an existing OpenAI-compatible server, `-m` sent as the
 * request's model. --no-server: server.host:port from config, nothing started. Neither: the server
 * for server.model (or -m) is adopted if it runs, or started, and stopped afterwards if we started it.
 * A URL where nothing listens fails now, before anything is created.
 */
export async function connectModelServer(
  flags: ServerFlags,
  target: { config: FactoryConfig; home: string; cwd: string; output: CliOutput },
): Promise<ModelServer> {
  if (flags['server-url'] !== undefined && flags['no-server'] === true) {
    throw new FactoryError('BAD_USAGE', '--server-url and --no-server cannot be used together.');
  }
  if (flags['server-url'] !== undefined || flags['no-server'] === true) {
    const url = await reachableUrl(flags['server-url'], target.config);
    return {
      chosen: { url, model: flags.model ?? null },
      chatModel: (timeoutMs) => new OpenAiChatModel({ baseUrl: url, timeoutMs, model: flags.model }),
      stopAfter: async () => undefined,
    };
  }
  if (target.config.server.url !== null) return externalFromConfig(flags, target.config);
  const quiet = flags.json === true;
  const run = await ensureServerForRun({
    config: target.config,
    home: target.home,
    model: flags.model,
    cwd: target.cwd,
    onState: (event) => {
      if (!quiet) target.output.err(`server ${event.state}${event.detail ? `: ${event.detail}` : ''}\n`);
    },
    onWarning: (message) => target.output.err(`warning: ${message}\n`),
  });
  return { chosen: { url: run.url === '' ? null : run.url, model: run.model }, chatModel: (timeoutMs) => run.chatModel(timeoutMs), stopAfter: () => run.stopAfter() };
}

async function reachableUrl(explicit: string | undefined, config: FactoryConfig): Promise<string> {
  if (explicit !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(explicit)) throw new FactoryError('BAD_USAGE', `--server-url must be an http(s) URL such as http://127.0.0.1:8080, got "${explicit}".`);
    await assertServerReachable(explicit);
    return explicit;
  }
  const url = `http://${config.server.host}:${config.server.port}`;
  try {
    await assertServerReachable(url);
  } catch {
    throw new FactoryError(
      'SERVER_UNREACHABLE',
      `No model server answers at ${url} (server.host/server.port in factory.yaml). Start one with \`mlx-factory server start\`, or pass --server-url URL.`,
    );
  }
  return url;
}

/** server.url in factory.yaml: an OpenAI-compatible server chosen in Settings; nothing is started. */
async function externalFromConfig(flags: ServerFlags, config: FactoryConfig): Promise<ModelServer> {
  const server = new ExternalServerControl({ config: () => config });
  const status = await server.start();
  if (status.state !== 'adopted') throw new FactoryError('SERVER_UNREACHABLE', `${status.detail} (server.url in factory.yaml)`);
  const apiKey = await readApiKey(config.server.api_key_env);
  const url = config.server.url ?? '';
  const model = flags.model ?? server.model();
  return {
    chosen: { url, model: model ?? null },
    chatModel: (timeoutMs) => new OpenAiChatModel({ baseUrl: url, timeoutMs, model, apiKey }),
    stopAfter: async () => undefined,
  };
}
