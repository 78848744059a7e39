import { FactoryError } from '../errors/factory-error.js';
import type { ChatModel, ChatTurnRequest, ChatTurnResult, ServerIdentity } from '../llm/llm-types.js';
import { OpenAiChatModel } from '../llm/openai-chat-model.js';
import type { ServerSupervisor } from './server-supervisor.js';

export interface SupervisedChatModelOptions {
  /** Per try: agent.llm_timeout. */
  readonly timeoutMs: number;
  /** Turns retried after server restarts before giving up (default 2). */
  readonly maxServerRestarts?: number;
  /**
   * Send `model` as the server was started? Omitting it is equivalent for mlx_lm.server and can
   * never make it load another model, so it is the default.
   */
  readonly sendModel?: boolean;
  /** The inner client's pause before its own single retry (default 1000 ms). */
  readonly retryDelayMs?: number;
}

/** Failures that mean "the server went away", as opposed to a bad request, a timeout or a cancel. */
function isServerLoss(error: unknown): boolean {
  return error instanceof FactoryError && (error.code === 'SERVER_UNREACHABLE' || error.code === 'LLM_BAD_RESPONSE');
}

/**
 * A ChatModel on a supervised server: each turn first makes sure the server is up (starting it,
 * reloading it after an idle unload, or waiting out a restart), keeps it from being unloaded while
 * the turn runs, and when the server dies mid-turn waits for the supervisor's restart and runs the
 * turn again — so a crashed server costs the session a retried turn, not the session.
 */
export class SupervisedChatModel implements ChatModel {
  private client: { url: string; model: OpenAiChatModel } | null = null;

  constructor(
    private readonly supervisor: ServerSupervisor,
    private readonly options: SupervisedChatModelOptions,
  ) {}

  /** The app's own mlx_lm.server, by the model it serves (its port is not part of what it can do). */
  serverIdentity(): ServerIdentity {
    return { kind: 'mlx_lm.server', url: null, model: this.supervisor.model };
  }

  async chat(request: ChatTurnRequest): Promise<ChatTurnResult> {
    const maxRestarts = this.options.maxServerRestarts ?? 2;
    for (let restarts = 0; ; restarts++) {
      const url = await this.readyUrl(request.signal);
      const epoch = this.supervisor.epoch;
      const end = this.supervisor.beginRequest();
      try {
        const result = await this.clientFor(url).chat(request);
        return { ...result, retries: result.retries + restarts };
      } catch (error) {
        if (!isServerLoss(error) || restarts >= maxRestarts || !(await this.serverWasLost(epoch, request.signal))) throw error;
        request.onRetry?.('the model server restarted; running the turn again');
      } finally {
        end();
      }
    }
  }

  /**
   * The server's URL, or — when the supervisor has given up — one plain sentence for the session
   * (what happened, what was done, what to do), with the server's last lines kept in the details.
   */
  private async readyUrl(signal: AbortSignal | undefined): Promise<string> {
    try {
      return await this.supervisor.ensureReady(signal);
    } catch (error) {
      if (!(error instanceof FactoryError) || error.code !== 'SERVER_FAILED') throw error;
      const detail = this.supervisor.status.detail.replace(/\.$/, '');
      throw new FactoryError(
        'SERVER_FAILED',
        `The model server stopped and could not be restarted (${detail}). The session stopped here with its work kept; Resume starts the server again and continues (its log: Server → Log, or ${this.supervisor.logPath}).`,
        error.details,
      );
    }
  }

  private clientFor(url: string): OpenAiChatModel {
    if (this.client?.url !== url) {
      this.client = {
        url,
        model: new OpenAiChatModel({
          baseUrl: url,
          timeoutMs: this.options.timeoutMs,
          model: this.options.sendModel === true ? this.supervisor.model : undefined,
          retryDelayMs: this.options.retryDelayMs,
        }),
      };
    }
    return this.client.model;
  }

  /** Did the server we talked to go away (a new epoch, or not ready any more)? Waits briefly for the exit to be noticed. */
  private async serverWasLost(epoch: number, signal: AbortSignal | undefined): Promise<boolean> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const { state } = this.supervisor.status;
      if (this.supervisor.epoch !== epoch || (state !== 'ready' && state !== 'adopted')) return true;
      if (Date.now() >= deadline || signal?.aborted === true) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
