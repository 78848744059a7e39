import type { ChatMessage } from '../agents/chat-message.js';

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
}

export interface ChatTurnResult {
  readonly content: string;
  /** From the server's `usage`; null when the server sent none. */
  readonly usage: TokenUsage | null;
  readonly finishReason: string;
  readonly durationMs: number;
  readonly retries: number;
}

/** What the orchestrator needs from a model server; the real one is OpenAI-compatible over HTTP. */
export interface ChatModel {
  chat(request: ChatTurnRequest): Promise<ChatTurnResult>;
  /** The context length the server publishes (null: it publishes none); asked once per session. */
  publishedContextLength?(): Promise<number | null>;
}
