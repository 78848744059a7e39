import type { AgentConfig } from '../config/config-schema.js';
import type { ResourceLimitsRequest } from '../sandbox/resource-limits.js';
import type { TaskSpec } from '../task/task-schema.js';

/** The limits a session runs under, resolved once from config, task file and CLI (the CLI wins). */
export interface SessionLimits {
  readonly maxAttempts: number;
  readonly executionTimeoutMs: number;
  readonly llmTimeoutMs: number;
  readonly maxTokensPerTurn: number;
  readonly totalTokenBudget: number;
  readonly temperature: number;
  readonly stagnationThreshold: number;
  readonly maxPromptTokens: number;
}

export interface LimitOverrides {
  readonly maxAttempts?: number | undefined;
  readonly executionTimeoutSec?: number | undefined;
}

/** Precedence: explicit CLI/UI values, then the task file, then factory.yaml. */
export function resolveLimits(agent: AgentConfig, task: { max_attempts?: number | undefined; timeout?: number | undefined }, overrides: LimitOverrides): SessionLimits {
  return {
    maxAttempts: overrides.maxAttempts ?? task.max_attempts ?? agent.max_attempts,
    executionTimeoutMs: (overrides.executionTimeoutSec ?? task.timeout ?? agent.execution_timeout) * 1000,
    llmTimeoutMs: agent.llm_timeout * 1000,
    maxTokensPerTurn: agent.max_tokens_per_turn,
    totalTokenBudget: agent.total_token_budget,
    temperature: agent.temperature,
    stagnationThreshold: agent.stagnation_threshold,
    maxPromptTokens: agent.max_prompt_tokens,
  };
}

export interface SessionPlan {
  readonly id: string;
  readonly task: TaskSpec;
  readonly limits: SessionLimits;
  readonly sandbox: 'auto' | 'required';
  /** Memory / process limits for checks (factory.yaml `sandbox.max_memory_mb`, `max_processes`); unset = defaults. */
  readonly checkLimits?: ResourceLimitsRequest;
}
