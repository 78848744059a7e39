import type { ChatMessage } from './chat-message.js';

/**
 * Prompt size is estimated before sending (we have no tokenizer for the served model) and corrected
 * from the server's reported prompt_tokens: the estimator keeps a per-model chars-per-token ratio.
 */
const DEFAULT_CHARS_PER_TOKEN = 3.5;
/** Chat templates add a few tokens per message (role markers, separators). */
const TOKENS_PER_MESSAGE = 4;

export class PromptTokenEstimator {
  private charsPerToken = DEFAULT_CHARS_PER_TOKEN;
  private observations = 0;

  estimateText(text: string): number {
    return Math.ceil(text.length / this.charsPerToken);
  }

  estimate(messages: readonly ChatMessage[]): number {
    return messages.reduce((sum, m) => sum + TOKENS_PER_MESSAGE + Math.ceil(messageChars(m) / this.charsPerToken), 0);
  }

  /** Learns from what the server counted; a moving average so one odd prompt cannot swing it. */
  observe(messages: readonly ChatMessage[], reportedPromptTokens: number): void {
    if (reportedPromptTokens <= 0) return;
    const chars = messages.reduce((sum, m) => sum + messageChars(m), 0);
    const contentTokens = reportedPromptTokens - TOKENS_PER_MESSAGE * messages.length;
    if (chars === 0 || contentTokens <= 0) return;
    const measured = Math.min(8, Math.max(1, chars / contentTokens));
    const weight = this.observations === 0 ? 1 : 0.3;
    this.charsPerToken = this.charsPerToken * (1 - weight) + measured * weight;
    this.observations += 1;
  }

  get ratio(): number {
    return this.charsPerToken;
  }
}

/** The text a message puts into the prompt: its content, and the name and arguments of each tool call it carries. */
function messageChars(message: ChatMessage): number {
  const calls = message.role === 'assistant' ? (message.toolCalls ?? []) : [];
  return calls.reduce((sum, call) => sum + call.name.length + call.arguments.length, message.content.length);
}
