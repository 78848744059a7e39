import type { ServerStatus } from '../api/payloads.js';
import type { ServerStateEvent } from '../api/server-events.js';
import { FactoryError } from '../errors/factory-error.js';
import type { ChatModel } from '../llm/llm-types.js';
import { OpenAiChatModel } from '../llm/openai-chat-model.js';
import { assertServerReachable } from '../llm/probe-server.js';
import { portOf } from './url-port.js';

/**
 * The one door to a model server, whatever serves it: the app's own mlx_lm.server (launched,
 * adopted, restarted, unloaded by a ServerSupervisor), an OpenAI-compatible server named in
 * factory.yaml, or a URL given on the command line. Callers ensure it answers, take chat models
 * from it, read its status and stop it; which kind it is stays behind this interface.
 */
export interface ModelServer {
  /** Starts or adopts our server, or checks an external one; rejects with a coded error when none answers. */
  ensure(): Promise<void>;
  /**
   * A ChatModel for sessions (llm_timeout per try). The app's switchable server may first finish a
   * Settings change or start the server, hence the promise.
   */
  chatModel(timeoutMs: number): ChatModel | Promise<ChatModel>;
  status(): ServerStatus;
  /** Stops what this door started; a server someone else runs is left running. */
  stop(): Promise<unknown>;
}

/** The API's status from a supervisor's state event (the same fields, without type and time). */
export function statusOfEvent(event: ServerStateEvent): ServerStatus {
  const { type: _type, time: _time, ...status } = event;
  return status;
}

/** A server one command uses: once `ensure` resolved, its chat model is at hand. */
export interface CommandModelServer extends ModelServer {
  chatModel(timeoutMs: number): ChatModel;
}

/** A status for a server we neither start nor stop, only use. */
function usedStatus(url: string, model: string, reachable: boolean, detail: string): ServerStatus {
  return {
    state: reachable ? 'adopted' : 'stopped',
    previous: 'stopped',
    detail,
    url: reachable ? url : null,
    port: portOf(url),
    pid: null,
    model,
    owned: false,
    restarts: 0,
    logTail: [],
  };
}

export interface UrlServerOptions {
  readonly url: string;
  /** Sent as the request's model; omitted, the server uses what it has loaded. */
  readonly model?: string | undefined;
  /** What to tell the user when nothing answers (the fix differs by door); default: the probe's own message. */
  readonly unreachable?: string | undefined;
}

/** A server at a fixed URL (--server-url, --no-server, or the app without a server control): checked, used, never stopped. */
export class UrlModelServer implements CommandModelServer {
  private reachable = false;

  constructor(private readonly options: UrlServerOptions) {}

  async ensure(): Promise<void> {
    try {
      await assertServerReachable(this.options.url);
    } catch (error) {
      if (this.options.unreachable === undefined) throw error;
      throw new FactoryError('SERVER_UNREACHABLE', this.options.unreachable);
    }
    this.reachable = true;
  }

  chatModel(timeoutMs: number): ChatModel {
    return new OpenAiChatModel({ baseUrl: this.options.url, timeoutMs, model: this.options.model });
  }

  status(): ServerStatus {
    return usedStatus(
      this.options.url,
      this.options.model ?? '',
      this.reachable,
      this.reachable ? `Using the server at ${this.options.url}.` : 'Not checked yet.',
    );
  }

  async stop(): Promise<void> {
    this.reachable = false;
  }
}
