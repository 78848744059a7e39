import type { ChatMessage, ChatToolCall } from '../agents/chat-message.js';

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens served from the server's prefix cache (absent: the server did not say). */
  readonly cachedTokens?: number;
}

export interface ChatTurnRequest {
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly temperature: number;
  /** Cancels the turn (the user pressed Cancel); distinct from the timeout. */
  readonly signal?: AbortSignal | undefined;
  readonly onDelta?: ((text: string) => void) | undefined;
  /** Called before a retry so listeners can drop the partial text of the failed try. */
  readonly onRetry?: ((reason: string) => void) | undefined;
  /** OpenAI `tools` to offer (#17: READ / SEARCH / LIST where the server handles them); absent: none. */
  readonly tools?: readonly unknown[] | undefined;
}

export interface ChatTurnResult {
  readonly content: string;
  /** From the server's `usage`; null when the server sent none. */
  readonly usage: TokenUsage | null;
  readonly finishReason: string;
  readonly durationMs: number;
  readonly retries: number;
  /** The server's `tool_calls` (only when the request offered tools; absent or empty: none). */
  readonly toolCalls?: readonly ChatToolCall[];
}

/**
 * Which server and model a turn goes to, as far as what they can do is concerned: the app's own
 * `mlx_lm.server` by the model it serves (its port changes from start to start), any other server by
 * its URL and the model we ask for. The key under which the answer to "does it handle `tools`?" is kept.
 */
export interface ServerIdentity {
  readonly kind: 'mlx_lm.server' | 'url';
  readonly url: string | null;
  readonly model: string | null;
}

/** What the orchestrator needs from a model server; the real one is OpenAI-compatible over HTTP. */
export interface ChatModel {
  chat(request: ChatTurnRequest): Promise<ChatTurnResult>;
  /** The context length the server publishes (null: it publishes none); asked once per session. */
  publishedContextLength?(): Promise<number | null>;
  /** Who answers (null or absent: not a server we can probe, e.g. a stand-in: the text protocol is used). */
  serverIdentity?(): ServerIdentity | null;
}
