import type { FactoryConfig } from '../config/config-schema.js';
import { ConfiguredUrlServer } from './external/configured-url-server.js';
import { ExternalServerControl } from './external/external-server.js';
import { RunServer, type RunServerOptions } from './ensure-server-for-run.js';
import { UrlModelServer, type CommandModelServer, type UrlServerOptions } from './model-server.js';
import { ServerChoice } from './server-choice.js';
import { SupervisorControl, type SupervisorControlOptions } from './supervisor-control.js';

/** A server at a fixed URL (--server-url, --no-server, a host without a server of its own): checked, used, never stopped. */
export interface UrlServerRequest extends UrlServerOptions {
  readonly kind: 'url';
}

/** One command's server (`run`, `eval`, `sessions resume|reply`): server.url's, or our mlx_lm.server, stopped afterwards if we started it. */
export interface CommandServerRequest extends RunServerOptions {
  readonly kind: 'command';
}

/** The app's server for its whole life, as Settings choose it (switched at once when they change). */
export interface AppServerRequest extends SupervisorControlOptions {
  readonly kind: 'app';
}

/** server.url selects an OpenAI-compatible server instead of the app's own mlx_lm.server (DESIGN, config). */
function usesExternalServer(config: FactoryConfig): boolean {
  return config.server.url !== null;
}

/**
 * The one model-server factory, for the CLI and the host alike: a fixed URL, or what the config
 * asks for — the OpenAI-compatible server at server.url, or our own mlx_lm.server (adopted when it
 * runs, else started) — for one command or for the app's life.
 */
export function createModelServer(request: UrlServerRequest | CommandServerRequest): CommandModelServer;
export function createModelServer(request: AppServerRequest): ServerChoice;
export function createModelServer(request: UrlServerRequest | CommandServerRequest | AppServerRequest): CommandModelServer | ServerChoice {
  switch (request.kind) {
    case 'url':
      return new UrlModelServer(request);
    case 'command':
      return usesExternalServer(request.config) ? new ConfiguredUrlServer(request.config, request.model) : new RunServer(request);
    case 'app':
      return new ServerChoice(request, (config) =>
        usesExternalServer(config)
          ? new ExternalServerControl({ config: request.config, env: request.env })
          : new SupervisorControl(request),
      );
  }
}
