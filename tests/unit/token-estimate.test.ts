import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/agents/chat-message.js';
import { PromptTokenEstimator } from '../../src/agents/token-estimate.js';

const messagesOf = (chars: number): ChatMessage[] => [
  { role: 'system', content: 's'.repeat(chars / 2) },
  { role: 'user', content: 'u'.repeat(chars / 2) },
];

describe('PromptTokenEstimator', () => {
  it('starts at 3.5 characters per token, rounding up', () => {
    const estimator = new PromptTokenEstimator();
    expect(estimator.ratio).toBe(3.5);
    expect(estimator.estimateText('')).toBe(0);
    expect(estimator.estimateText('x'.repeat(7))).toBe(2);
    expect(estimator.estimateText('x'.repeat(8))).toBe(3);
  });

  it('adds a few tokens per message for the chat template', () => {
    const estimator = new PromptTokenEstimator();
    expect(estimator.estimate([])).toBe(0);
    expect(estimator.estimate(messagesOf(700))).toBe(2 * 4 + 100 + 100);
  });

  it('takes the first server count as the ratio', () => {
    const estimator = new PromptTokenEstimator();
    const messages = messagesOf(1000);
    // 1000 characters, 250 content tokens + 8 template tokens: 4 characters per token.
    estimator.observe(messages, 258);
    expect(estimator.ratio).toBeCloseTo(4, 10);
    expect(estimator.estimate(messages)).toBe(258);
  });

  it('moves toward later server counts without jumping (a moving average)', () => {
    const estimator = new PromptTokenEstimator();
    const messages = messagesOf(1000);
    estimator.observe(messages, 258); // 4.0
    estimator.observe(messages, 508); // 2.0 measured
    expect(estimator.ratio).toBeGreaterThan(2);
    expect(estimator.ratio).toBeLessThan(4);
    expect(estimator.ratio).toBeCloseTo(4 * 0.7 + 2 * 0.3, 10);
  });

  it('converges on a steady server count', () => {
    const estimator = new PromptTokenEstimator();
    const messages = messagesOf(3000);
    const reported = 8 + 1000; // 3 characters per token
    estimator.observe(messagesOf(1000), 8 + 125); // an odd first prompt (8 chars/token)
    let previousError = Math.abs(estimator.estimate(messages) - reported);
    for (let i = 0; i < 20; i += 1) {
      estimator.observe(messages, reported);
      const error = Math.abs(estimator.estimate(messages) - reported);
      expect(error).toBeLessThanOrEqual(previousError);
      previousError = error;
    }
    expect(Math.abs(estimator.estimate(messages) - reported) / reported).toBeLessThan(0.01);
  });

  it('clamps absurd measurements to 1..8 characters per token', () => {
    const high = new PromptTokenEstimator();
    high.observe(messagesOf(1000), 9); // 1000 characters in 1 token
    expect(high.ratio).toBe(8);
    const low = new PromptTokenEstimator();
    low.observe(messagesOf(1000), 100_000);
    expect(low.ratio).toBe(1);
  });

  it('ignores counts it cannot learn from', () => {
    const estimator = new PromptTokenEstimator();
    estimator.observe(messagesOf(1000), 0);
    estimator.observe(messagesOf(1000), -5);
    estimator.observe(messagesOf(1000), 8); // only template tokens
    estimator.observe([{ role: 'user', content: '' }], 50);
    expect(estimator.ratio).toBe(3.5);
  });
});
