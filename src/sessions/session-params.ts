import type { EventOf, LoggedSessionPlan } from '../api/events.js';
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
export function resolveLimits(
  agent: AgentConfig,
  task: { max_attempts?: number | undefined; timeout?: number | undefined },
  overrides: LimitOverrides,
): SessionLimits {
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

/** A fixed command, or the rule "run the entry file the Coder writes" (see default-check.ts). */
export type CheckRule = LoggedSessionPlan['check'];

/**
 * Everything a session is to do and the limits it does it under, decided once when it starts and
 * logged whole in `session.created`: resume (and reply) read it back, never re-derive it.
 */
export interface SessionPlan {
  readonly id: string;
  readonly task: TaskSpec;
  readonly check: CheckRule;
  readonly limits: SessionLimits;
  readonly sandbox: 'auto' | 'required';
  /** Memory / process limits for checks (factory.yaml `sandbox.max_memory_mb`, `max_processes`); unset = defaults. */
  readonly checkLimits?: ResourceLimitsRequest;
}

export function checkRuleFor(command: string | null | undefined): CheckRule {
  return command === null || command === undefined || command.trim() === '' ? { kind: 'entry-file' } : { kind: 'command', command };
}

export function loggedPlan(plan: SessionPlan): LoggedSessionPlan {
  const { cgroups: _cgroups, ...checkLimits } = plan.checkLimits ?? {};
  return {
    check: plan.check,
    limits: { ...plan.limits },
    sandbox: plan.sandbox,
    ...(plan.checkLimits !== undefined ? { checkLimits } : {}),
  };
}

/**
 * The plan of a logged session. Logs from before the plan was logged whole carry the check as the
 * command it resolved to at the start and five of the eight limits: the rest come from `fallback`.
 */
export function planFromLog(
  created: EventOf<'session.created'>,
  fallback: { agent: AgentConfig; sandbox: 'auto' | 'required'; checkLimits?: ResourceLimitsRequest },
): SessionPlan {
  const task = { ...created.task, constraints: [...created.task.constraints], files: [...created.task.files] };
  if (created.plan !== undefined) {
    const { check, limits, sandbox, checkLimits } = created.plan;
    return {
      id: created.session,
      task: { ...task, check: check.kind === 'command' ? check.command : null },
      check,
      limits,
      sandbox,
      ...(checkLimits !== undefined ? { checkLimits } : {}),
    };
  }
  const legacy = created.limits;
  return {
    id: created.session,
    task,
    check: checkRuleFor(created.task.check),
    limits: {
      maxAttempts: legacy.maxAttempts,
      executionTimeoutMs: legacy.executionTimeout * 1000,
      llmTimeoutMs: legacy.llmTimeout * 1000,
      totalTokenBudget: legacy.totalTokenBudget,
      maxPromptTokens: legacy.maxPromptTokens,
      maxTokensPerTurn: fallback.agent.max_tokens_per_turn,
      temperature: fallback.agent.temperature,
      stagnationThreshold: fallback.agent.stagnation_threshold,
    },
    sandbox: fallback.sandbox,
    ...(fallback.checkLimits !== undefined ? { checkLimits: fallback.checkLimits } : {}),
  };
}
