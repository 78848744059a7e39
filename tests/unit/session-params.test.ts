import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config-schema.js';
import { resolveLimits } from '../../src/sessions/session-params.js';

const agent = defaultConfig().agent;

describe('resolveLimits', () => {
  it('takes factory.yaml when nothing else is given, in milliseconds where it matters', () => {
    expect(resolveLimits(agent, {}, {})).toEqual({
      maxAttempts: 5,
      executionTimeoutMs: 60_000,
      llmTimeoutMs: 120_000,
      maxTokensPerTurn: 8192,
      totalTokenBudget: 100_000,
      temperature: 0,
      stagnationThreshold: 3,
      maxPromptTokens: 6000,
    });
  });

  it('lets the task file override factory.yaml', () => {
    const limits = resolveLimits(agent, { max_attempts: 3, timeout: 15 }, {});
    expect(limits.maxAttempts).toBe(3);
    expect(limits.executionTimeoutMs).toBe(15_000);
  });

  it('lets explicit CLI values override the task file (the seed let the task file win)', () => {
    const limits = resolveLimits(agent, { max_attempts: 3, timeout: 15 }, { maxAttempts: 8, executionTimeoutSec: 90 });
    expect(limits.maxAttempts).toBe(8);
    expect(limits.executionTimeoutMs).toBe(90_000);
  });

  it('overrides each limit on its own', () => {
    expect(resolveLimits(agent, { max_attempts: 3, timeout: 15 }, { maxAttempts: 1 })).toMatchObject({
      maxAttempts: 1,
      executionTimeoutMs: 15_000,
    });
    expect(resolveLimits(agent, { max_attempts: 3, timeout: 15 }, { executionTimeoutSec: 2 })).toMatchObject({
      maxAttempts: 3,
      executionTimeoutMs: 2000,
    });
    expect(resolveLimits(agent, { max_attempts: 3 }, { maxAttempts: undefined, executionTimeoutSec: undefined })).toMatchObject({
      maxAttempts: 3,
      executionTimeoutMs: 60_000,
    });
  });

  it('keeps fractional seconds', () => {
    expect(resolveLimits(agent, { timeout: 0.5 }, {}).executionTimeoutMs).toBe(500);
    expect(resolveLimits({ ...agent, llm_timeout: 1.5 }, {}, {}).llmTimeoutMs).toBe(1500);
  });

  it('carries the other agent settings through, 0 included', () => {
    const custom = {
      ...agent,
      temperature: 0,
      max_tokens_per_turn: 512,
      total_token_budget: 9000,
      stagnation_threshold: 2,
      max_prompt_tokens: 3000,
    };
    expect(resolveLimits(custom, {}, {})).toMatchObject({
      temperature: 0,
      maxTokensPerTurn: 512,
      totalTokenBudget: 9000,
      stagnationThreshold: 2,
      maxPromptTokens: 3000,
    });
    expect(resolveLimits({ ...agent, temperature: 0.7 }, {}, {}).temperature).toBe(0.7);
  });
});
