import type { LoggedSessionPlan } from '../api/events.js';
import type { Session } from '../api/session-projection.js';
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
  /** Tests first (#16): acceptance tests that fail on the base come first; PASS needs them. */
  readonly testsFirst: boolean;
  /** Lint on edit (#16): touched files are syntax-checked in the sandbox before the check. */
  readonly lintOnEdit: boolean;
  /** Memory / process limits for checks (factory.yaml `sandbox.max_memory_mb`, `max_processes`); unset = defaults. */
  readonly checkLimits?: ResourceLimitsRequest;
  /** Best of K: which sibling of which group (absent: a session on its own). */
  readonly group?: SessionGroupRef;
}

type SessionGroupRef = NonNullable<LoggedSessionPlan['group']>;

export function checkRuleFor(command: string | null | undefined): CheckRule {
  return command === null || command === undefined || command.trim() === '' ? { kind: 'entry-file' } : { kind: 'command', command };
}

export function loggedPlan(plan: SessionPlan): LoggedSessionPlan {
  const { cgroups: _cgroups, ...checkLimits } = plan.checkLimits ?? {};
  return {
    check: plan.check,
    limits: { ...plan.limits },
    sandbox: plan.sandbox,
    testsFirst: plan.testsFirst,
    lintOnEdit: plan.lintOnEdit,
    ...(plan.checkLimits !== undefined ? { checkLimits } : {}),
    ...(plan.group !== undefined ? { group: { ...plan.group } } : {}),
  };
}

/** The plan of a logged session, as its projection holds it (old logs are upgraded in src/api/session-plan.ts). */
export function planFromLog(session: Session): SessionPlan {
  const { check, limits, sandbox, checkLimits, testsFirst, lintOnEdit, group } = session.plan;
  return {
    id: session.id,
    task: {
      name: session.task.name,
      description: session.task.description,
      constraints: [...session.task.constraints],
      files: [...session.task.files],
      check: check.kind === 'command' ? check.command : null,
    },
    check,
    limits,
    sandbox,
    // Logs from before #16 had neither: they resume as they ran.
    testsFirst: testsFirst ?? false,
    lintOnEdit: lintOnEdit ?? false,
    ...(checkLimits !== undefined ? { checkLimits } : {}),
    ...(group !== undefined ? { group } : {}),
  };
}
