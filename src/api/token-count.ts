import type { SessionEvent } from './events.js';
import type { TokenTotals } from './session-status.js';

/**
 * Tokens a session's attempt series has spent, counted from its events exactly as the loop's budget
 * counts them: the server's usage, else the estimate; a turn that started and never finished was
 * sent, so its estimated prompt counts too. One count for the loop (resume), the session store and
 * the UI's live figure, so the number on screen while a session runs is the number its summary gives.
 * A new attempt series (`series.started`) starts counting afresh.
 */
export interface TokenCount {
  prompt: number;
  completion: number;
  /** The estimate of a turn that started and has not finished. */
  pendingEstimate: number | null;
}

export function emptyTokenCount(): TokenCount {
  return { prompt: 0, completion: 0, pendingEstimate: null };
}

/** Adds one event to the count (in place). */
export function countTokens(count: TokenCount, e: SessionEvent): void {
  if (e.type === 'turn.started') {
    if (count.pendingEstimate !== null) count.prompt += count.pendingEstimate;
    count.pendingEstimate = e.estimatedPromptTokens;
  } else if (e.type === 'turn.finished') {
    count.prompt += e.usage?.promptTokens ?? count.pendingEstimate ?? 0;
    count.completion += e.usage?.completionTokens ?? Math.ceil(e.content.length / 4);
    count.pendingEstimate = null;
  } else if (e.type === 'series.started') {
    Object.assign(count, emptyTokenCount());
  } else if (e.type === 'session.finished' || e.type === 'session.resumed') {
    if (count.pendingEstimate !== null) count.prompt += count.pendingEstimate;
    count.pendingEstimate = null;
  }
}

/** The totals so far (a turn still running counts with its estimated prompt). */
export function tokenTotals(count: TokenCount): TokenTotals {
  return { prompt: count.prompt + (count.pendingEstimate ?? 0), completion: count.completion };
}
