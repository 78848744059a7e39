import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FactoryError } from '../errors/factory-error.js';
import { runSandboxed } from '../sandbox/index.js';
import { launchSession, prepareSession, type PreparedSession } from '../sessions/start-session.js';
import type { CliOutput } from './cli-output.js';
import { connectModelServer } from './connect-model-server.js';
import { collectTaskFiles, formatEvalTable, formatSeconds, type EvalReport, type EvalRow } from './eval-report.js';
import { parseCliArgs, parsePositiveInt } from './parse-cli-args.js';
import { formatHistoryEval } from '../api/history-eval.js';
import { loadConfig } from '../config/load-config.js';
import { appPaths } from '../home/app-home.js';
import { LlmScheduler } from '../llm/llm-scheduler.js';
import { modelCatalog } from '../server/models/model-catalog.js';
import { runHistoryEval } from '../sessions/history-eval.js';

export const EVAL_USAGE = `Usage: mlx-factory eval [TASK.yaml|DIR ...] [-m MODEL] [--server-url URL | --no-server] [--json]
       mlx-factory eval --from-history N [--repo DIR] [--check CMD] [-m MODEL ...] [--best-of K] [--server-url URL | --no-server] [--json]

  Runs each task file (default: the examples/ folder) as its own session in a fresh repository,
  one after the other, against the configured model server, and prints the seed's table: task,
  passed, attempts, wall time, tokens, tokens/s (completion tokens per second of model time).
  --json prints the report as one JSON object instead.

  --from-history N: up to N recent commits of the repository (--repo, default the current folder) that
  change code and tests become tasks: base = the parent with the commit's tests, description = the
  commit message, check = the repository's test command (detected, or --check). A commit whose check
  does not fail on that base and pass on the commit is skipped with the reason. With several -m, every
  model runs every task and the best pass rate among the models that fit this machine is recommended.`;

const EVAL_OPTIONS = {
  model: { type: 'string', short: 'm', multiple: true },
  'from-history': { type: 'string' },
  repo: { type: 'string' },
  check: { type: 'string' },
  'best-of': { type: 'string' },
  'server-url': { type: 'string' },
  'no-server': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface EvalContext {
  readonly cwd: string;
  readonly output: CliOutput;
  readonly signal: AbortSignal;
}

/** The examples shipped with the package (the seed's three scenarios). */
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples', import.meta.url));

export async function evalCommand(args: readonly string[], context: EvalContext): Promise<number> {
  const { values, positionals } = parseCliArgs(args, EVAL_OPTIONS, EVAL_USAGE);
  if (values.help === true) {
    context.output.out(`${EVAL_USAGE}\n`);
    return 0;
  }
  if (values['from-history'] !== undefined) return historyEvalCommand(values, context);
  for (const flag of ['repo', 'check', 'best-of'] as const)
    if (values[flag] !== undefined) throw new FactoryError('BAD_USAGE', `--${flag} goes with --from-history N.\n\n${EVAL_USAGE}`);
  if ((values.model?.length ?? 0) > 1)
    throw new FactoryError('BAD_USAGE', `Several -m go with --from-history N; task files run on one model.\n\n${EVAL_USAGE}`);
  const model = values.model?.[0];
  const files = collectTaskFiles(positionals.length > 0 ? positionals : [EXAMPLES_DIR], context.cwd);
  // Each task gets an empty folder of its own, so it runs in a fresh repository (the seed's case)
  // whatever folder eval is started from; every file is validated before anything runs.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlx-factory-eval-'));
  try {
    const prepared: PreparedSession[] = [];
    for (const [i, file] of files.entries()) {
      const cwd = path.join(scratch, String(i));
      fs.mkdirSync(cwd);
      prepared.push(await prepareSession({ taskFile: file, cwd }));
    }
    const first = prepared[0];
    if (first === undefined) throw new FactoryError('BAD_USAGE', EVAL_USAGE);
    const server = await connectModelServer(
      { ...values, model, json: true },
      { config: first.config, home: first.paths.home, cwd: context.cwd, output: context.output },
    );
    const serverLabel =
      values['server-url'] ??
      first.config.server.url ??
      (values['no-server'] === true ? `http://${first.config.server.host}:${first.config.server.port}` : "the app's own MLX server");
    const started = Date.now();
    const rows: EvalRow[] = [];
    try {
      for (const [i, session] of prepared.entries()) {
        if (context.signal.aborted) break;
        context.output.err(`[${i + 1}/${prepared.length}] ${session.plan.task.name}…\n`);
        let modelMs = 0;
        let completion = 0;
        const t0 = Date.now();
        const summary = await launchSession(session, {
          model: server.chatModel(session.plan.limits.llmTimeoutMs),
          runCheck: runSandboxed,
          signal: context.signal,
          onLog: (log) =>
            log.subscribe((event) => {
              if (event.type !== 'turn.finished') return;
              modelMs += event.durationMs;
              completion += event.usage?.completionTokens ?? 0;
            }),
        });
        const row: EvalRow = {
          task: session.plan.task.name,
          file: files[i] ?? '',
          session: summary.id,
          state: summary.state,
          status: summary.state,
          passed: summary.state === 'passed',
          attempts: summary.attempts,
          wallSeconds: (Date.now() - t0) / 1000,
          tokens: summary.tokens,
          tokensPerSecond: modelMs > 0 ? (completion * 1000) / modelMs : null,
        };
        rows.push(row);
        context.output.err(
          `      ${row.passed ? 'passed' : row.state} after ${row.attempts} attempt(s) in ${formatSeconds(row.wallSeconds)}\n`,
        );
      }
    } finally {
      await server.stop();
    }
    const report: EvalReport = {
      type: 'eval',
      model: model ?? first.config.server.model,
      server: serverLabel,
      startedAt: new Date(started).toISOString(),
      wallSeconds: (Date.now() - started) / 1000,
      passed: rows.filter((r) => r.passed).length,
      total: rows.length,
      tasks: rows,
    };
    context.output.out(values.json === true ? `${JSON.stringify(report)}\n` : formatEvalTable(report));
    return report.passed === prepared.length ? 0 : 1;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** `eval --from-history N`: tasks mined from the repository's own commits (src/sessions/history-eval.ts). */
async function historyEvalCommand(
  values: {
    'from-history'?: string | undefined;
    repo?: string | undefined;
    check?: string | undefined;
    model?: string[] | undefined;
    'best-of'?: string | undefined;
    'server-url'?: string | undefined;
    'no-server'?: boolean | undefined;
    json?: boolean | undefined;
  },
  context: EvalContext,
): Promise<number> {
  const count = parsePositiveInt(values['from-history'], '--from-history') ?? 0;
  const bestOf = parsePositiveInt(values['best-of'], '--best-of') ?? 1;
  if (bestOf > 8) throw new FactoryError('BAD_USAGE', `--best-of must be 1 to 8, got ${bestOf}.`);
  const repoDir = path.resolve(context.cwd, values.repo ?? '.');
  const home = appPaths().home;
  const { config } = loadConfig({ repoDir, userConfigFile: appPaths().userConfig });
  const err = (text: string): void => context.output.err(text);
  const catalog = await modelCatalog({ configured: config.server.model }).catch(() => []);
  const report = await runHistoryEval({
    repo: repoDir,
    count,
    check: values.check,
    models: values.model ?? [],
    bestOf,
    signal: context.signal,
    // K turns at once (a number set by the user can raise it); memory admission needs the run's own server.
    scheduler: (size) => new LlmScheduler(Math.max(size, config.agent.llm_concurrency === 'auto' ? 1 : config.agent.llm_concurrency)),
    connect: async (model) => {
      const server = await connectModelServer({ ...values, model, json: true }, { config, home, cwd: context.cwd, output: context.output });
      return { chatModel: (ms) => server.chatModel(ms), stop: async () => void (await server.stop()) };
    },
    // Served elsewhere (--server-url), the machine's memory says nothing about the model.
    fit: (model) => Promise.resolve(values['server-url'] !== undefined ? null : (catalog.find((m) => m.id === model)?.fit ?? null)),
    onProgress: (p) => {
      if (p.phase === 'picked') err(`${p.candidates} commit(s) change code and tests; check: ${p.check}\n`);
      else if (p.phase === 'verified')
        err(`  ${p.commit.slice(0, 8)} ${p.subject}: ${p.ok ? 'fails before, passes after — a task' : `skipped: ${p.reason ?? ''}`}\n`);
      else if (p.phase === 'task') err(`[${p.index + 1}/${p.total}] ${p.model}: ${p.subject}…\n`);
      else
        err(`      ${p.row.passed ? 'passed' : p.row.state} after ${p.row.attempts} attempt(s) in ${formatSeconds(p.row.wallSeconds)}\n`);
    },
  });
  context.output.out(values.json === true ? `${JSON.stringify(report)}\n` : formatHistoryEval(report));
  return report.total > 0 && report.passed === report.total ? 0 : 1;
}
