import type { TokenUsage } from '../llm/llm-types.js';

/**
 * The session's total token budget, summed from the server's real `usage` (prompt + completion). It is
 * checked before every call and caps max_tokens to what is left, so it can actually run out.
 */
const MIN_USEFUL_COMPLETION = 16;

export class TokenBudget {
  prompt = 0;
  completion = 0;

  constructor(
    readonly total: number,
    private readonly maxTokensPerTurn: number,
  ) {}

  get used(): number {
    return this.prompt + this.completion;
  }

  /** max_tokens for the next call, or null when the budget cannot pay for a useful answer. */
  nextMaxTokens(estimatedPromptTokens: number): number | null {
    const left = this.total - this.used - estimatedPromptTokens;
    if (left < MIN_USEFUL_COMPLETION) return null;
    return Math.min(this.maxTokensPerTurn, left);
  }

  /** Servers that send no usage are charged our estimate, so the budget still means something. */
  charge(usage: TokenUsage | null, estimatedPromptTokens: number, completionText: string): void {
    this.prompt += usage?.promptTokens ?? estimatedPromptTokens;
    this.completion += usage?.completionTokens ?? Math.ceil(completionText.length / 4);
  }

  totals(): { prompt: number; completion: number } {
    return { prompt: this.prompt, completion: this.completion };
  }
}
