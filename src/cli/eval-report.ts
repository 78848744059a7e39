import fs from 'node:fs';
import path from 'node:path';
import type { RunOutcome } from '../api/session-status.js';
import { FactoryError } from '../errors/factory-error.js';

/**
 * `mlx-factory eval`: which task files to run, and the seed's results table (task, passed, attempts,
 * wall time, tokens, tokens/s) plus the JSON report. Pure apart from listing folders.
 */
export interface EvalRow {
  readonly task: string;
  readonly file: string;
  readonly session: string;
  /** How the session ended; `status` is the same value under its old name, kept for one release. */
  readonly state: RunOutcome;
  readonly status: RunOutcome;
  readonly passed: boolean;
  readonly attempts: number;
  readonly wallSeconds: number;
  readonly tokens: { readonly prompt: number; readonly completion: number };
  /** Completion tokens per second of model time (the sum of the turns' durations); null without turns. */
  readonly tokensPerSecond: number | null;
}

export interface EvalReport {
  readonly type: 'eval';
  readonly model: string;
  readonly server: string;
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly passed: number;
  readonly total: number;
  readonly tasks: readonly EvalRow[];
}

const TASK_FILE = /\.ya?ml$/i;

/** Files as given; folders become their *.yaml / *.yml files (not factory.yaml), sorted. */
export function collectTaskFiles(args: readonly string[], cwd: string): string[] {
  const files: string[] = [];
  for (const arg of args) {
    const full = path.resolve(cwd, arg);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      throw new FactoryError('TASK_INVALID', `${arg}: no such task file or folder.`);
    }
    if (stat.isDirectory()) {
      const inside = fs
        .readdirSync(full)
        .filter((name) => TASK_FILE.test(name) && name !== 'factory.yaml')
        .sort()
        .map((name) => path.join(full, name));
      if (inside.length === 0) throw new FactoryError('TASK_INVALID', `${arg}: no task files (*.yaml) in this folder.`);
      files.push(...inside);
    } else files.push(full);
  }
  return files;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export function formatEvalTable(report: EvalReport): string {
  const header = ['TASK', 'PASSED', 'ATTEMPTS', 'WALL TIME', 'TOKENS', 'TOKENS/S'];
  const rows = report.tasks.map((row) => [
    row.task,
    row.passed ? 'yes' : `no (${row.state})`,
    String(row.attempts),
    formatSeconds(row.wallSeconds),
    String(row.tokens.prompt + row.tokens.completion),
    row.tokensPerSecond === null ? '-' : row.tokensPerSecond.toFixed(1),
  ]);
  const totalTokens = report.tasks.reduce((sum, r) => sum + r.tokens.prompt + r.tokens.completion, 0);
  const footer = [`${report.passed}/${report.total} passed`, '', '', formatSeconds(report.wallSeconds), String(totalTokens), ''];
  const all = [header, ...rows, footer];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return `${[line(header), rule, ...rows.map(line), rule, line(footer)].join('\n')}\n\nModel: ${report.model} (${report.server})\n`;
}
