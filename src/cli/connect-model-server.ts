import type { FactoryConfig } from '../config/config-schema.js';
import { FactoryError } from '../errors/factory-error.js';
import { createModelServer } from '../server/create-model-server.js';
import type { CommandModelServer } from '../server/model-server.js';
import type { CliOutput } from './cli-output.js';

/** The --server-url / --no-server / -m / --json flags shared by `run` and `sessions resume`. */
export interface ServerFlags {
  readonly 'server-url'?: string | undefined;
  readonly 'no-server'?: boolean | undefined;
  readonly model?: string | undefined;
  readonly json?: boolean | undefined;
}

/**
 * Where the model comes from. --server-url: an existing OpenAI-compatible server, `-m` sent as the
 * request's model. --no-server: server.host:port from config, nothing started. Neither: the server
 * for server.model (or -m) is adopted if it runs, or started, and stopped afterwards if we started it.
 * A URL where nothing listens fails now, before anything is created.
 */
export async function connectModelServer(
  flags: ServerFlags,
  target: { config: FactoryConfig; home: string; cwd: string; output: CliOutput; sessions?: number },
): Promise<CommandModelServer> {
  if (flags['server-url'] !== undefined && flags['no-server'] === true) {
    throw new FactoryError('BAD_USAGE', '--server-url and --no-server cannot be used together.');
  }
  const server = modelServerFor(flags, target);
  await server.ensure();
  return server;
}

function modelServerFor(
  flags: ServerFlags,
  target: { config: FactoryConfig; home: string; cwd: string; output: CliOutput; sessions?: number },
): CommandModelServer {
  const { config } = target;
  if (flags['server-url'] !== undefined) {
    const url = flags['server-url'];
    if (!/^https?:\/\/[^/\s]+/.test(url))
      throw new FactoryError('BAD_USAGE', `--server-url must be an http(s) URL such as http://127.0.0.1:8080, got "${url}".`);
    return createModelServer({ kind: 'url', url, model: flags.model });
  }
  if (flags['no-server'] === true) {
    const url = `http://${config.server.host}:${config.server.port}`;
    return createModelServer({
      kind: 'url',
      url,
      model: flags.model,
      unreachable: `No model server answers at ${url} (server.host/server.port in factory.yaml). Start one with \`mlx-factory server start\`, or pass --server-url URL.`,
    });
  }
  const quiet = flags.json === true;
  return createModelServer({
    kind: 'command',
    config,
    home: target.home,
    model: flags.model,
    cwd: target.cwd,
    // Several sessions from the start (a group, several tasks): launched without the draft model.
    ...(target.sessions !== undefined ? { sessions: target.sessions } : {}),
    onState: (event) => {
      if (!quiet) target.output.err(`server ${event.state}${event.detail ? `: ${event.detail}` : ''}\n`);
    },
    onWarning: (message) => target.output.err(`warning: ${message}\n`),
  });
}
