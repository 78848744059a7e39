import { FactoryError } from '../errors/factory-error.js';
import { runSandboxed } from '../sandbox/index.js';
import type { SessionEvent } from '../api/events.js';
import { schedulerForServer } from '../server/serving/scheduler-for-server.js';
import { launchSession, prepareSession, type PreparedSession, type SessionSummary } from '../sessions/start-session.js';
import type { CliOutput } from './cli-output.js';
import { connectModelServer } from './connect-model-server.js';
import { exitCodeForOutcome } from './exit-codes.js';
import { parseCliArgs, parsePositiveInt, parsePositiveNumber } from './parse-cli-args.js';
import { createMultiSessionView, createTerminalView } from './terminal-view.js';

export const RUN_USAGE = `Usage: mlx-factory run [DESCRIPTION] [-t TASK.yaml] [--repo DIR] [--check "CMD"] [-m MODEL]
                       [-n MAX_ATTEMPTS] [--timeout SEC] [--server-url URL | --no-server] [--json]`;

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
  }));
  const prepared: PreparedSession[] = [];
  for (const request of requests) prepared.push(await prepareSession(request));
  const first = prepared[0];
  if (first === undefined) throw new FactoryError('BAD_USAGE', RUN_USAGE);
  const server = await connectModelServer(values, {
    config: first.config,
    home: first.paths.home,
    cwd: context.cwd,
    output: context.output,
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
    if (values.json === true) for (const summary of summaries) context.output.out(`${JSON.stringify(summaryLine(summary))}\n`);
    return summaries.every((s) => s.status === 'passed') ? exitCodeForOutcome('passed') : exitCodeForOutcome('failed');
  } finally {
    serving.stop();
    await server.stop();
  }
}

function createView(json: boolean, several: boolean, output: CliOutput): (event: SessionEvent) => void {
  if (json) return (event) => output.out(`${JSON.stringify(event)}\n`);
  return several ? createMultiSessionView(output) : createTerminalView(output);
}

/** DESIGN.md's final --json line: `id` and `state` as everywhere; `session` and `status` kept as aliases for one release. */
export function summaryLine(summary: SessionSummary): Record<string, unknown> {
  return {
    type: 'summary',
    id: summary.session,
    state: summary.status,
    session: summary.session,
    status: summary.status,
    attempts: summary.attempts,
    branch: summary.branch,
    baseCommit: summary.baseCommit,
    headCommit: summary.headCommit,
    worktree: summary.worktree,
    tokens: summary.tokens,
  };
}
