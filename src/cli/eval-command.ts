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
import { parseCliArgs } from './parse-cli-args.js';

export const EVAL_USAGE = `Usage: mlx-factory eval [TASK.yaml|DIR ...] [-m MODEL] [--server-url URL | --no-server] [--json]

  Runs each task file (default: the examples/ folder) as its own session in a fresh repository,
  one after the other, against the configured model server, and prints the seed's table: task,
  passed, attempts, wall time, tokens, tokens/s (completion tokens per second of model time).
  --json prints the report as one JSON object instead.`;

const EVAL_OPTIONS = {
  model: { type: 'string', short: 'm' },
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
      { ...values, json: true },
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
          session: summary.session,
          status: summary.status,
          passed: summary.status === 'passed',
          attempts: summary.attempts,
          wallSeconds: (Date.now() - t0) / 1000,
          tokens: summary.tokens,
          tokensPerSecond: modelMs > 0 ? (completion * 1000) / modelMs : null,
        };
        rows.push(row);
        context.output.err(
          `      ${row.passed ? 'passed' : row.status} after ${row.attempts} attempt(s) in ${formatSeconds(row.wallSeconds)}\n`,
        );
      }
    } finally {
      await server.stop();
    }
    const report: EvalReport = {
      type: 'eval',
      model: values.model ?? first.config.server.model,
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
