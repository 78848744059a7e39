import { z } from 'zod';
import { runOutcomeSchema, tokenTotalsSchema } from './session-status.js';

/**
 * Eval from your own history (#16): the report `mlx-factory eval --from-history N --json` prints and
 * the Models view's "Which model for this repo?" shows, with the pure pieces both need (the
 * recommendation and the table). Tasks are commits of the user's repository that changed code and
 * tests; `skipped` are commits that were picked but are no test of their change (with why).
 */
const historyEvalRowSchema = z.object({
  /** The commit's subject line. */
  task: z.string(),
  commit: z.string(),
  model: z.string(),
  session: z.string(),
  /** Best of K: the group the task ran as (null: one session). */
  group: z.string().nullable(),
  /** How the session ended; `status` is the same value under its old name, kept for one release. */
  state: runOutcomeSchema,
  status: runOutcomeSchema,
  passed: z.boolean(),
  attempts: z.int().nonnegative(),
  wallSeconds: z.number().nonnegative(),
  tokens: tokenTotalsSchema,
  /** Completion tokens per second of model time; null without turns. */
  tokensPerSecond: z.number().nullable(),
});
export type HistoryEvalRow = z.infer<typeof historyEvalRowSchema>;

const historyEvalSkipSchema = z.object({ commit: z.string(), subject: z.string(), reason: z.string() });

const fitSchema = z.enum(['fits', 'tight', 'too-large']).nullable();

const historyEvalModelSchema = z.object({
  model: z.string(),
  passed: z.int().nonnegative(),
  total: z.int().nonnegative(),
  tokensPerSecond: z.number().nullable(),
  /** Whether it fits this machine's memory (null: unknown — served elsewhere, or not in the catalog). */
  fit: fitSchema,
});
export type HistoryEvalModel = z.infer<typeof historyEvalModelSchema>;

export const historyEvalReportSchema = z.object({
  type: z.literal('eval'),
  from: z.literal('history'),
  repo: z.string(),
  check: z.string(),
  bestOf: z.int().positive(),
  startedAt: z.string(),
  wallSeconds: z.number().nonnegative(),
  /** Over every model's runs. */
  passed: z.int().nonnegative(),
  total: z.int().nonnegative(),
  tasks: z.array(historyEvalRowSchema),
  skipped: z.array(historyEvalSkipSchema),
  models: z.array(historyEvalModelSchema),
  recommendation: z.object({ model: z.string(), reason: z.string() }).nullable(),
});
export type HistoryEvalReport = z.infer<typeof historyEvalReportSchema>;

/** Progress while it runs (the CLI's stderr lines; the app's progress events). */
export const historyEvalProgressSchema = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('picked'), candidates: z.int().nonnegative(), check: z.string() }),
  z.object({ phase: z.literal('verified'), commit: z.string(), subject: z.string(), ok: z.boolean(), reason: z.string().nullable() }),
  z.object({
    phase: z.literal('task'),
    model: z.string(),
    index: z.int().nonnegative(),
    total: z.int().nonnegative(),
    subject: z.string(),
  }),
  z.object({ phase: z.literal('result'), row: historyEvalRowSchema }),
]);
export type HistoryEvalProgress = z.infer<typeof historyEvalProgressSchema>;

/** Best pass rate among the models that fit this machine (unknown counts as fitting), then tokens/s. */
export function recommendModel(models: readonly HistoryEvalModel[]): HistoryEvalReport['recommendation'] {
  const candidates = models.filter((m) => m.fit !== 'too-large' && m.total > 0);
  const rate = (m: HistoryEvalModel): number => m.passed / m.total;
  const best = [...candidates].sort((a, b) => rate(b) - rate(a) || (b.tokensPerSecond ?? 0) - (a.tokensPerSecond ?? 0))[0];
  if (best === undefined) return null;
  const tooLarge = models.filter((m) => m.fit === 'too-large').map((m) => m.model);
  const ties = candidates.filter((m) => m !== best && rate(m) === rate(best));
  return {
    model: best.model,
    reason:
      `${best.passed}/${best.total} passed${ties.length > 0 ? `, as many as ${ties.map((m) => m.model).join(', ')}, and faster (${(best.tokensPerSecond ?? 0).toFixed(1)} tokens/s)` : ''}` +
      (tooLarge.length > 0 ? `; not considered (too large for this machine): ${tooLarge.join(', ')}` : ''),
  };
}

function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${Math.round(s - minutes * 60)} s`;
}

/** The seed's table per model (task, passed, attempts, wall time, tokens, tokens/s), then skipped commits and the recommendation. */
export function formatHistoryEval(report: HistoryEvalReport): string {
  const header = ['TASK', 'COMMIT', 'MODEL', 'PASSED', 'ATTEMPTS', 'WALL TIME', 'TOKENS', 'TOKENS/S'];
  const rows = report.tasks.map((r) => [
    r.task.length > 48 ? `${r.task.slice(0, 47)}…` : r.task,
    r.commit.slice(0, 8),
    r.model,
    r.passed ? 'yes' : `no (${r.state})`,
    String(r.attempts),
    seconds(r.wallSeconds),
    String(r.tokens.prompt + r.tokens.completion),
    r.tokensPerSecond === null ? '-' : r.tokensPerSecond.toFixed(1),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule, ...rows.map(line), rule];
  for (const m of report.models)
    out.push(
      `${m.model}: ${m.passed}/${m.total} passed${m.tokensPerSecond !== null ? `, ${m.tokensPerSecond.toFixed(1)} tokens/s` : ''}${m.fit === null ? '' : `, ${m.fit === 'fits' ? 'fits this machine' : m.fit === 'tight' ? 'tight on memory now' : 'too large for this machine'}`}`,
    );
  out.push('', `Check: ${report.check}${report.bestOf > 1 ? ` · best of ${report.bestOf}` : ''} · ${seconds(report.wallSeconds)} in all`);
  if (report.skipped.length > 0) {
    out.push(`Skipped ${report.skipped.length} commit(s):`);
    for (const s of report.skipped) out.push(`  ${s.commit.slice(0, 8)} ${s.subject} — ${s.reason}`);
  }
  if (report.recommendation !== null)
    out.push(`Recommended for this repository: ${report.recommendation.model} (${report.recommendation.reason})`);
  return `${out.join('\n')}\n`;
}
