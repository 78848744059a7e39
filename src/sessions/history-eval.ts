import path from 'node:path';
import {
  recommendModel,
  type HistoryEvalModel,
  type HistoryEvalProgress,
  type HistoryEvalReport,
  type HistoryEvalRow,
} from '../api/history-eval.js';
import { loadConfig } from '../config/load-config.js';
import { FactoryError } from '../errors/factory-error.js';
import { appPaths } from '../home/app-home.js';
import type { LlmScheduler } from '../llm/llm-scheduler.js';
import type { ChatModel } from '../llm/llm-types.js';
import { runSandboxed } from '../sandbox/index.js';
import { limitsFromSettings } from '../sandbox/resource-limits.js';
import { detectTestCommand } from '../workspace/git/detect-test-command.js';
import { evalBaseCommit } from '../workspace/git/eval-base-commit.js';
import { historyCandidates } from '../workspace/git/history-candidates.js';
import { inspectRepo } from '../workspace/git/repo-info.js';
import { verifyEvalTask } from '../workspace/verify-eval-task.js';
import { launchGroup, prepareGroup } from './session-group.js';
import type { SessionLog } from './session-log.js';
import { launchSession, prepareSession, type PreparedSession, type SessionSummary } from './start-session.js';

/**
 * Eval from your own history (#16): up to N recent commits that changed code and tests become tasks —
 * base = the parent plus the commit's test changes (built with commit-tree, the user's checkout never
 * touched), description = the commit message, check = the repository's test command. Each is verified
 * in the sandbox first (fails on the base, passes on the commit) or skipped with the reason; then every
 * model runs every task as an ordinary session (or a best-of-K group) in a worktree of the repository.
 */
interface ModelConnection {
  readonly chatModel: (llmTimeoutMs: number) => ChatModel;
  readonly stop: () => Promise<void>;
}

export interface HistoryEvalOptions {
  readonly repo: string;
  readonly count: number;
  readonly check?: string | undefined;
  /** Models to compare; empty = the configured one. */
  readonly models: readonly string[];
  readonly bestOf: number;
  readonly home?: string | undefined;
  readonly signal: AbortSignal;
  /** Connects to the server for one model (the CLI's --server-url / own server; the app's server). */
  readonly connect: (model: string | undefined) => Promise<ModelConnection>;
  /** Whether a model fits this machine's memory (null: unknown). */
  readonly fit?: (model: string) => Promise<HistoryEvalModel['fit']>;
  readonly scheduler?: (size: number) => LlmScheduler;
  readonly onProgress?: (progress: HistoryEvalProgress) => void;
}

interface VerifiedTask {
  readonly commit: string;
  readonly subject: string;
  readonly message: string;
  readonly base: string;
  readonly testFiles: readonly string[];
}

export async function runHistoryEval(options: HistoryEvalOptions): Promise<HistoryEvalReport> {
  const started = Date.now();
  const repo = await inspectRepo(path.resolve(options.repo));
  const paths = appPaths(options.home);
  const { config } = loadConfig({ repoDir: repo.root, userConfigFile: paths.userConfig });
  const check = options.check ?? (await detectTestCommand(repo.root));
  if (check === null)
    throw new FactoryError(
      'BAD_USAGE',
      `Cannot tell how ${repo.root} runs its tests (no package.json test script, pytest, go.mod, Cargo.toml or Makefile test target): pass --check "CMD".`,
    );
  const candidates = await historyCandidates(repo.root, options.count);
  options.onProgress?.({ phase: 'picked', candidates: candidates.length, check });

  const tasks: VerifiedTask[] = [];
  const skipped: HistoryEvalReport['skipped'] = [];
  for (const c of candidates) {
    if (options.signal.aborted) break;
    const base = await evalBaseCommit(repo.root, c);
    const verdict = await verifyEvalTask(base, c.commit, {
      repoRoot: repo.root,
      check,
      timeoutMs: config.agent.execution_timeout * 1000,
      sandbox: config.sandbox.require ? 'required' : 'auto',
      limits: limitsFromSettings(config.sandbox),
      signal: options.signal,
    });
    options.onProgress?.({
      phase: 'verified',
      commit: c.commit,
      subject: c.subject,
      ok: verdict.ok,
      reason: verdict.ok ? null : verdict.reason,
    });
    if (verdict.ok) tasks.push({ commit: c.commit, subject: c.subject, message: c.message, base, testFiles: c.testFiles });
    else skipped.push({ commit: c.commit, subject: c.subject, reason: verdict.reason });
  }

  const models = options.models.length > 0 ? options.models : [config.server.model];
  const rows: HistoryEvalRow[] = [];
  const perModel: HistoryEvalModel[] = [];
  for (const [m, model] of models.entries()) {
    if (options.signal.aborted) break;
    const connection = await options.connect(options.models.length > 0 ? model : undefined);
    let modelMs = 0;
    let completion = 0;
    try {
      for (const [index, task] of tasks.entries()) {
        if (options.signal.aborted) break;
        options.onProgress?.({ phase: 'task', model, index, total: tasks.length, subject: task.subject });
        const onLog = (log: SessionLog): void => {
          log.subscribe((event) => {
            if (event.type !== 'turn.finished') return;
            modelMs += event.durationMs;
            completion += event.usage?.completionTokens ?? 0;
          });
        };
        const before = { modelMs, completion };
        const t0 = Date.now();
        const request = { description: task.message, repo: repo.root, cwd: repo.root, check, home: options.home };
        // The task's base instead of the checkout's HEAD; its tests are the files in play.
        const atBase = (p: PreparedSession): PreparedSession => ({
          ...p,
          repo: { ...repo, headCommit: task.base, branch: null },
          plan: { ...p.plan, task: { ...p.plan.task, name: task.subject, files: [...task.testFiles] } },
        });
        const deps = {
          model: connection.chatModel(config.agent.llm_timeout * 1000),
          runCheck: runSandboxed,
          signal: options.signal,
          onLog,
          ...(options.scheduler !== undefined ? { scheduler: options.scheduler(options.bestOf) } : {}),
        };
        let summary: SessionSummary;
        let group: string | null = null;
        if (options.bestOf > 1) {
          const siblings = (await prepareGroup(request, options.bestOf)).map(atBase);
          group = siblings[0]?.plan.group?.id ?? null;
          const summaries = await launchGroup(siblings, deps);
          summary = summaries.find((s) => s.state === 'passed') ?? (summaries[0] as SessionSummary);
        } else {
          summary = await launchSession(atBase(await prepareSession(request)), deps);
        }
        const turnMs = modelMs - before.modelMs;
        const row: HistoryEvalRow = {
          task: task.subject,
          commit: task.commit,
          model,
          session: summary.id,
          group,
          state: summary.state,
          status: summary.state,
          passed: summary.state === 'passed',
          attempts: summary.attempts,
          wallSeconds: (Date.now() - t0) / 1000,
          tokens: summary.tokens,
          tokensPerSecond: turnMs > 0 ? ((completion - before.completion) * 1000) / turnMs : null,
        };
        rows.push(row);
        options.onProgress?.({ phase: 'result', row });
      }
    } finally {
      await connection.stop();
    }
    const mine = rows.filter((r) => r.model === model);
    perModel[m] = {
      model,
      passed: mine.filter((r) => r.passed).length,
      total: mine.length,
      tokensPerSecond: modelMs > 0 ? (completion * 1000) / modelMs : null,
      fit: options.fit !== undefined ? await options.fit(model) : null,
    };
  }
  const modelsRun = perModel.filter((m) => m !== undefined);
  return {
    type: 'eval',
    from: 'history',
    repo: repo.root,
    check,
    bestOf: options.bestOf,
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    passed: rows.filter((r) => r.passed).length,
    total: rows.length,
    tasks: rows,
    skipped,
    models: modelsRun,
    recommendation: recommendModel(modelsRun),
  };
}
