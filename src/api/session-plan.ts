import type { EventOf, LoggedSessionPlan } from './events.js';

/**
 * The plan a session runs under, read from its `session.created` — the one place where logs from
 * before the plan was logged whole are upgraded. Those carried the check as the command it resolved
 * to at the start and five of the eight limits, in seconds; the other three take the seed's defaults
 * (never today's factory.yaml: a plan is fixed when the session starts). Milliseconds from here on.
 */
export type SessionPlanRecord = LoggedSessionPlan;

export interface UpgradedCreation {
  readonly task: {
    readonly name: string;
    readonly description: string;
    readonly constraints: readonly string[];
    readonly files: readonly string[];
  };
  readonly plan: SessionPlanRecord;
}

/** The seed's values for the limits old logs did not record (config-schema.ts has the same defaults). */
const SEED_DEFAULTS = { maxTokensPerTurn: 8192, temperature: 0, stagnationThreshold: 3 } as const;
const LEGACY_FALLBACK = {
  maxAttempts: 5,
  executionTimeout: 60,
  llmTimeout: 120,
  totalTokenBudget: 100_000,
  maxPromptTokens: 6000,
} as const;

export function upgradeCreated(created: EventOf<'session.created'>): UpgradedCreation {
  const { name, description, constraints, files } = created.task;
  const task = { name, description, constraints, files };
  if (created.plan !== undefined) return { task, plan: created.plan };
  const legacy = created.limits ?? LEGACY_FALLBACK;
  const check = created.task.check;
  return {
    task,
    plan: {
      check: check === undefined || check.trim() === '' ? { kind: 'entry-file' } : { kind: 'command', command: check },
      limits: {
        maxAttempts: legacy.maxAttempts,
        executionTimeoutMs: legacy.executionTimeout * 1000,
        llmTimeoutMs: legacy.llmTimeout * 1000,
        totalTokenBudget: legacy.totalTokenBudget,
        maxPromptTokens: legacy.maxPromptTokens,
        ...SEED_DEFAULTS,
      },
      sandbox: 'auto',
    },
  };
}
