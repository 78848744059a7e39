import type { DependencyMode } from '../config/project-trust.js';
import type { SessionRow } from '../api/session-row.js';
import { FactoryError } from '../errors/factory-error.js';
import { loadSessionRow } from '../sessions/session-store.js';
import { runSandboxed } from '../sandbox/index.js';
import type { SessionEvent } from '../api/events.js';
import type { GroupView } from '../api/group-projection.js';
import { launchGroup, loadGroup, prepareGroup } from '../sessions/session-group.js';
import {
  launchSession,
  prepareSession,
  type PreparedSession,
  type SessionRequest,
  type SessionSummary,
} from '../sessions/start-session.js';
import { schedulerForServer } from '../server/serving/scheduler-for-server.js';
import type { CliOutput } from './cli-output.js';
import { connectModelServer } from './connect-model-server.js';
import { cachedShareText } from './prompt-cache-text.js';
import { exitCodeForOutcome } from './exit-codes.js';
import { parseCliArgs, parsePositiveInt, parsePositiveNumber } from './parse-cli-args.js';
import { createMultiSessionView, createTerminalView } from './terminal-view.js';

export const RUN_USAGE = `Usage: mlx-factory run [DESCRIPTION] [-t TASK.yaml] [--repo DIR] [--check "CMD"] [-m MODEL]
                       [-n MAX_ATTEMPTS] [--timeout SEC] [--server-url URL | --no-server] [--json]
                       [--tests-first] [--no-preflight] [--deps mine|install|none]
                       [--best-of K]   (K sibling sessions, 1–8; the first to pass wins, the others stop)`;

const RUN_OPTIONS = {
  task: { type: 'string', short: 't', multiple: true },
  repo: { type: 'string' },
  check: { type: 'string' },
  model: { type: 'string', short: 'm' },
  'max-attempts': { type: 'string', short: 'n' },
  timeout: { type: 'string' },
  'server-url': { type: 'string' },
  'no-server': { type: 'boolean' },
  json: { type: 'boolean' },
  'tests-first': { type: 'boolean' },
  'no-preflight': { type: 'boolean' },
  deps: { type: 'string' },
  'best-of': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RunContext {
  readonly cwd: string;
  readonly output: CliOutput;
  /** Cancels the run (Ctrl-C). */
  readonly signal: AbortSignal;
}

export async function runCommand(args: readonly string[], context: RunContext): Promise<number> {
  const { values, positionals } = parseCliArgs(args, RUN_OPTIONS, RUN_USAGE);
  if (values.help === true) {
    context.output.out(`${RUN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) {
    throw new FactoryError('BAD_USAGE', `Put the task description in quotes: got ${positionals.length} separate words.\n\n${RUN_USAGE}`);
  }
  const tasks = values.task ?? [];
  if (tasks.length > 1 && positionals[0] !== undefined) {
    throw new FactoryError('BAD_USAGE', `Give either one DESCRIPTION or task files (-t A.yaml -t B.yaml), not both.\n\n${RUN_USAGE}`);
  }
  // Validate every task before anything is created: one bad file stops the whole run.
  const requests = (tasks.length === 0 ? [undefined] : tasks).map((taskFile) => ({
    description: positionals[0],
    taskFile,
    repo: values.repo,
    cwd: context.cwd,
    check: values.check,
    maxAttempts: parsePositiveInt(values['max-attempts'], '--max-attempts'),
    timeoutSec: parsePositiveNumber(values.timeout, '--timeout'),
    // Only an explicit flag overrides agent.tests_first.
    testsFirst: values['tests-first'] === true ? true : undefined,
    preflight: values['no-preflight'] !== true,
    deps: parseDepsMode(values.deps),
  }));
  const bestOfFlag = parsePositiveInt(values['best-of'], '--best-of');
  if (bestOfFlag !== undefined && bestOfFlag > 8)
    throw new FactoryError('BAD_USAGE', `--best-of must be 1 to 8, got ${bestOfFlag}.\n\n${RUN_USAGE}`);
  const prepared: PreparedSession[] = [];
  for (const request of requests) prepared.push(await prepareSession(request));
  const first = prepared[0];
  const bestOf = bestOfFlag ?? first?.config.agent.best_of ?? 1;
  if (bestOf > 1) {
    if (prepared.length > 1) throw new FactoryError('BAD_USAGE', `--best-of runs one task K times: give one task, not ${prepared.length}.`);
    return runGroup(requests[0] as SessionRequest, bestOf, values, context);
  }
  if (first === undefined) throw new FactoryError('BAD_USAGE', RUN_USAGE);
  const server = await connectModelServer(values, {
    config: first.config,
    home: first.paths.home,
    cwd: context.cwd,
    output: context.output,
    sessions: prepared.length,
  });
  const serving = schedulerForServer(first.config, server);
  try {
    const scheduler = serving.scheduler;
    const view = createView(values.json === true, prepared.length > 1, context.output);
    const model = server.chatModel(first.plan.limits.llmTimeoutMs);
    const summaries = await Promise.all(
      prepared.map((p) =>
        launchSession(p, { model, runCheck: runSandboxed, signal: context.signal, scheduler, onLog: (log) => log.subscribe(view) }),
      ),
    );
    for (const summary of summaries) {
      // The session's figures as the projection gives them (the prompt cache, a cut prompt).
      const row = loadSessionRow(first.paths, summary.id);
      if (values.json === true) context.output.out(`${JSON.stringify(summaryLine(summary, row))}\n`);
      else context.output.out(closingLines(row));
    }
    return summaries.every((s) => s.state === 'passed') ? exitCodeForOutcome('passed') : exitCodeForOutcome('failed');
  } finally {
    serving.stop();
    await server.stop();
  }
}

/** --deps mine|install|none: how checks get the dependencies, remembered for the repository (#22). */
function parseDepsMode(value: string | undefined): DependencyMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'mine' || value === 'install' || value === 'none') return value;
  throw new FactoryError(
    'BAD_USAGE',
    `--deps takes mine (your checkout's folder, read-only), install (install in the worktree) or none (neither), not ${JSON.stringify(value)}.\n\n${RUN_USAGE}`,
  );
}

/** `run --best-of K`: K siblings race on one server; the summary line names the group and the winner. */
async function runGroup(
  request: SessionRequest,
  size: number,
  values: { json?: boolean | undefined; 'server-url'?: string | undefined; 'no-server'?: boolean | undefined; model?: string | undefined },
  context: RunContext,
): Promise<number> {
  const siblings = await prepareGroup(request, size);
  const first = siblings[0] as PreparedSession;
  const server = await connectModelServer(values, {
    config: first.config,
    home: first.paths.home,
    cwd: context.cwd,
    output: context.output,
    sessions: size,
  });
  // At least K turns at once: mlx_lm.server batches them (DESIGN.md, parallel sessions); on our
  // own server memory admission still holds back a turn that would not fit.
  const serving = schedulerForServer(first.config, server, size);
  try {
    const scheduler = serving.scheduler;
    const view = createView(values.json === true, true, context.output);
    const summaries = await launchGroup(siblings, {
      model: server.chatModel(first.plan.limits.llmTimeoutMs),
      runCheck: runSandboxed,
      signal: context.signal,
      scheduler,
      onLog: (log) => log.subscribe(view),
    });
    const group = loadGroup(first.paths, first.plan.group?.id ?? '');
    if (values.json === true)
      context.output.out(`${JSON.stringify(groupSummaryLine(summaries, group, (id) => loadSessionRow(first.paths, id)))}\n`);
    else context.output.out(`\n${formatGroupEnd(group)}\n`);
    return exitCodeForOutcome(group.winner !== null ? 'passed' : 'failed');
  } finally {
    serving.stop();
    await server.stop();
  }
}

/** The winner's usual summary (sibling 1's when none passed), plus `group`, `winner` and `siblings`. */
export function groupSummaryLine(
  summaries: readonly SessionSummary[],
  group: GroupView,
  rowOf: (id: string) => Pick<SessionRow, 'cachedShare' | 'promptCut'>,
): Record<string, unknown> {
  const main = summaries.find((s) => s.id === group.winner) ?? summaries[0];
  if (main === undefined) throw new Error('a group has siblings');
  return {
    ...summaryLine(main, rowOf(main.id)),
    group: group.id,
    winner: group.winner,
    siblings: group.siblings.map((s) => ({ id: s.id, state: s.state, status: s.state, temperature: s.temperature })),
  };
}

export function formatGroupEnd(group: GroupView): string {
  const lines = group.siblings.map((s) => `  ${s.id === group.winner ? '★' : ' '} ${s.id}  ${s.state}  (temperature ${s.temperature})`);
  const head =
    group.winner !== null
      ? `Group ${group.id}: ${group.winner} passed. \`mlx-factory sessions merge ${group.id}\` merges it; the others are kept for review.`
      : `Group ${group.id}: no sibling passed.`;
  return [head, ...lines].join('\n');
}

function createView(json: boolean, several: boolean, output: CliOutput): (event: SessionEvent) => void {
  if (json) return (event) => output.out(`${JSON.stringify(event)}\n`);
  return several ? createMultiSessionView(output) : createTerminalView(output);
}

/** DESIGN.md's final --json line: `id` and `state` as everywhere; `session` and `status` kept as aliases for one release. */
export function summaryLine(summary: SessionSummary, row: Pick<SessionRow, 'cachedShare' | 'promptCut'>): Record<string, unknown> {
  return {
    type: 'summary',
    id: summary.id,
    state: summary.state,
    session: summary.id,
    status: summary.state,
    attempts: summary.attempts,
    branch: summary.branch,
    baseCommit: summary.baseCommit,
    headCommit: summary.headCommit,
    worktree: summary.worktree,
    tokens: summary.tokens,
    /** 0–1, or null when the server did not report its prompt cache. */
    cachedShare: row.cachedShare,
    promptCut: row.promptCut,
  };
}

/** After the live view (which already said any cut prompt, when it happened). */
function closingLines(row: SessionRow): string {
  return `  prompt cache: ${cachedShareText(row.cachedShare)}\n`;
}
