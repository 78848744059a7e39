/**
 * Best of K (#16) on the real mlx_lm.server with the tiny model: the wall time of a group of K = 4
 * siblings vs one session (K = 1), both at the same max_tokens per turn. The siblings share one
 * server and one scheduler with K turn slots, so mlx_lm.server batches their turns; the server's own
 * log says so (several prompts prefilled in one step). Target: the group ≤ 1.5× of K = 1.
 * The tiny model's reply carries no edit, so each session is its Coder turns until stagnation
 * (three identical replies) — only the protocol and our overhead are measured, never a real model's speed.
 */
import os from 'node:os';
import { defaultConfig } from '../src/config/config-schema.js';
import { LlmScheduler } from '../src/llm/llm-scheduler.js';
import type { ChatModel } from '../src/llm/llm-types.js';
import { runSandboxed } from '../src/sandbox/index.js';
import { ensureServerForRun } from '../src/server/ensure-server-for-run.js';
import { serverPaths } from '../src/server/server-paths.js';
import { launchGroup, prepareGroup } from '../src/sessions/session-group.js';
import type { SessionLog } from '../src/sessions/session-log.js';
import { launchSession, prepareSession, type PreparedSession } from '../src/sessions/start-session.js';
import { freePort } from '../tests/support/free-port.js';
import { mlxServerEnv, testDeps } from '../tests/support/test-deps.js';
import { makeBenchRepo, type BenchRepo } from './_fixtures.js';
import { fileSize, load, maxPrefillsInOneStep, readFrom } from './_server-log.js';

const K = 4;
const ROUNDS = 3;
const MAX_TOKENS = 64;

export async function run(): Promise<void> {
  let deps;
  try {
    deps = testDeps();
  } catch (error) {
    process.stdout.write(`best-of: not measured — ${(error as Error).message}\n`);
    return;
  }
  const base = defaultConfig();
  const config = { ...base, server: { ...base.server, model: deps.model, python: deps.python, port: await freePort() } };
  const serverHome = makeBenchRepo('best-of-home', { 'README.md': '#\n' });
  const repos: BenchRepo[] = [];
  const server = await ensureServerForRun({ config, home: serverHome.home, env: mlxServerEnv() });
  try {
    const model = server.chatModel(120_000);
    // Warm up (the first completion compiles and caches).
    await oneSession(fresh(repos), model);
    const startLoad = load();
    const single: number[] = [];
    const group: number[] = [];
    const logFile = serverPaths(serverHome.home).logFile;
    let batchedPrefill = 0;
    const singleModel: number[] = [];
    const groupModel: number[] = [];
    let singleTurns = 0;
    let groupTurns = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const one = blankSpans();
      single.push(await timed(() => oneSession(fresh(repos), model, one)));
      singleModel.push(one.lastTurn - one.firstTurn);
      singleTurns = one.turns;
      const logStart = fileSize(logFile);
      const all = blankSpans();
      group.push(await timed(() => oneGroup(fresh(repos), model, all)));
      groupModel.push(all.lastTurn - all.firstTurn);
      groupTurns = all.turns;
      batchedPrefill = Math.max(batchedPrefill, maxPrefillsInOneStep(readFrom(logFile, logStart)));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const ratio = median(group) / median(single);
    const loadAfterSessions = load();
    // The server alone, without any of ours: one Coder-sized request vs K at once (what batching gives here).
    const oneRequest: number[] = [];
    const kRequests: number[] = [];
    for (let round = 0; round < ROUNDS * 2; round++) {
      oneRequest.push(await timed(() => serverTurn(model, 0)));
      kRequests.push(await timed(() => Promise.all(Array.from({ length: K }, (_, i) => serverTurn(model, i)))));
    }
    process.stdout.write(
      [
        `real mlx_lm.server (tiny model, CPU, ${os.cpus().length} cores), max_tokens ${MAX_TOKENS}, ${ROUNDS} rounds (medians)   (${startLoad} at the start)`,
        `  K = 1 (one session)     ${seconds(median(single))}   (baseline)   [${single.map(seconds).join(', ')}]`,
        `  K = ${K} (one group)       ${seconds(median(group))}   ${ratio.toFixed(2)}× of K = 1 (target ≤ 1.50×)   [${group.map(seconds).join(', ')}]`,
        `  model-turn span (first turn start → last turn end): K = 1 ${seconds(median(singleModel))} (${singleTurns} turns), K = ${K} ${seconds(median(groupModel))} (${groupTurns} turns), ${(median(groupModel) / median(singleModel)).toFixed(2)}×`,
        `  the rest (worktree, commits, checks, log) — K = 1 ${seconds(median(single) - median(singleModel))}, K = ${K} ${seconds(median(group) - median(groupModel))}`,
        `  server log: up to ${batchedPrefill} prompts prefilled in the same step (batched: ${batchedPrefill > 1 ? 'yes' : 'no'})   (${loadAfterSessions})`,
        `  the server alone (no sessions): 1 request ${seconds(median(oneRequest))}, ${K} at once ${seconds(median(kRequests))} = ${(median(kRequests) / median(oneRequest)).toFixed(2)}× — the floor of the model-turn ratio on this machine   (${load()})`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stopAfter();
    for (const r of [...repos, serverHome]) r.cleanup();
  }
}

function fresh(repos: BenchRepo[]): BenchRepo {
  const repo = makeBenchRepo(`best-of-${repos.length}`, { 'README.md': '# b\n' });
  repos.push(repo);
  return repo;
}

function request(repo: BenchRepo): Parameters<typeof prepareSession>[0] {
  return { description: 'Print ok', repo: repo.repo, cwd: repo.repo, check: 'true', maxAttempts: 1, home: repo.home };
}

/** Equal max_tokens for K = 1 and every sibling. */
function capped(p: PreparedSession): PreparedSession {
  return { ...p, plan: { ...p.plan, limits: { ...p.plan.limits, maxTokensPerTurn: MAX_TOKENS } } };
}

/** Where the time goes: from the first model turn's start to the last one's end, and the turns in all. */
interface Spans {
  firstTurn: number;
  lastTurn: number;
  turns: number;
  completionTokens: number;
}

function watch(spans: Spans): (log: SessionLog) => void {
  return (log) =>
    log.subscribe((event) => {
      if (event.type === 'turn.started') spans.firstTurn = Math.min(spans.firstTurn, performance.now());
      if (event.type === 'turn.finished') {
        spans.lastTurn = Math.max(spans.lastTurn, performance.now());
        spans.turns += 1;
        spans.completionTokens += event.usage?.completionTokens ?? 0;
      }
    });
}

function blankSpans(): Spans {
  return { firstTurn: Infinity, lastTurn: 0, turns: 0, completionTokens: 0 };
}

async function oneSession(repo: BenchRepo, model: ChatModel, spans = blankSpans()): Promise<void> {
  const prepared = capped(await prepareSession(request(repo)));
  await launchSession(prepared, {
    model,
    runCheck: runSandboxed,
    signal: new AbortController().signal,
    scheduler: new LlmScheduler(1),
    onLog: watch(spans),
  });
}

async function oneGroup(repo: BenchRepo, model: ChatModel, spans = blankSpans()): Promise<void> {
  const siblings = (await prepareGroup(request(repo), K)).map(capped);
  await launchGroup(siblings, {
    model,
    runCheck: runSandboxed,
    signal: new AbortController().signal,
    scheduler: new LlmScheduler(K),
    onLog: watch(spans),
  });
}

/** One Coder-sized turn straight to the server (a long system prompt, max_tokens as the sessions'). */
async function serverTurn(model: ChatModel, index: number): Promise<void> {
  await model.chat({
    messages: [
      { role: 'system', content: 'You are the Coder. Write whole files, each after a line with its path. '.repeat(40) },
      { role: 'user', content: 'Task: print ok' },
    ],
    maxTokens: MAX_TOKENS,
    temperature: 0.3 + index * 0.1,
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
