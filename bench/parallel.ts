/**
 * N parallel sessions on one server vs the same sessions one after another.
 * 1. The scripted server, llm_concurrency 1, each session's check taking about as long as its model
 *    turns: while one session waits for the model, another runs its check. Target ≤ 0.7×.
 * 2. The real mlx_lm.server on the tiny model: only model turns (its replies carry no edits, so each
 *    session is three Coder turns), with concurrency 1 and 3 — mlx_lm.server batches concurrent
 *    requests, which is what a higher llm_concurrency buys.
 */
import { defaultConfig } from '../src/config/config-schema.js';
import { OpenAiChatModel } from '../src/llm/openai-chat-model.js';
import { LlmScheduler } from '../src/llm/llm-scheduler.js';
import type { ChatModel } from '../src/llm/llm-types.js';
import { runSandboxed } from '../src/sandbox/index.js';
import { ensureServerForRun } from '../src/server/ensure-server-for-run.js';
import { launchSession, prepareSession } from '../src/sessions/start-session.js';
import { startScriptedServer } from '../tests/support/scripted-server/launch.js';
import { freePort } from '../tests/support/free-port.js';
import { mlxServerEnv, testDeps } from '../tests/support/test-deps.js';
import { makeBenchRepo, type BenchRepo } from './_fixtures.js';

const SESSIONS = 3;

export async function run(): Promise<void> {
  await scriptedServerCase();
  await realServerCase();
}

async function scriptedServerCase(): Promise<void> {
  // ~1 s of Coder and ~0.5 s of Sheriff streaming per session; the check sleeps 1.5 s.
  const server = await startScriptedServer({
    script: {
      defaults: { tokensPerSecond: 50 },
      coder: [{ content: `${'Writing it now. '.repeat(9)}\nmain.py\n\`\`\`python\nprint('ok')\n\`\`\`\n` }],
      sheriff: [{ content: `${'It printed ok. '.repeat(5)}\nVERDICT: PASS` }],
    },
  });
  const repos = Array.from({ length: SESSIONS * 2 }, (_, i) => makeBenchRepo(`parallel-${i}`, { 'README.md': '# p\n' }));
  try {
    const model = new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 60_000 });
    const check = 'sleep 1.5 && python3 main.py';
    const sequential = await timed(async () => {
      for (const repo of repos.slice(0, SESSIONS)) await oneSession(repo, model, check, new LlmScheduler(1));
    });
    const scheduler = new LlmScheduler(1);
    const parallel = await timed(() => Promise.all(repos.slice(SESSIONS).map((repo) => oneSession(repo, model, check, scheduler))));
    process.stdout.write(
      [
        `scripted server, ${SESSIONS} sessions, llm_concurrency 1, check ≈ model time per session`,
        `  sequential ${seconds(sequential)}   (baseline)`,
        `  parallel   ${seconds(parallel)}   ${(parallel / sequential).toFixed(2)}× of sequential (target ≤ 0.70×)`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    for (const r of repos) r.cleanup();
  }
}

async function realServerCase(): Promise<void> {
  let deps;
  try {
    deps = testDeps();
  } catch (error) {
    process.stdout.write(`real mlx_lm.server: not measured — ${(error as Error).message}\n`);
    return;
  }
  // The app's own supervisor starts the real server (ready = a 1-token completion answers).
  const base = defaultConfig();
  const config = { ...base, server: { ...base.server, model: deps.model, python: deps.python, port: await freePort() } };
  const serverHome = makeBenchRepo('parallel-real-home', { 'README.md': '#\n' });
  const repos = Array.from({ length: SESSIONS * 3 }, (_, i) => makeBenchRepo(`parallel-real-${i}`, { 'README.md': '# p\n' }));
  const server = await ensureServerForRun({ config, home: serverHome.home, env: mlxServerEnv() });
  try {
    const model = server.chatModel(120_000);
    const sequential = await timed(async () => {
      for (const repo of repos.slice(0, SESSIONS)) await oneSession(repo, model, 'true', new LlmScheduler(1));
    });
    const serial = new LlmScheduler(1);
    const parallel1 = await timed(() => Promise.all(repos.slice(SESSIONS, 2 * SESSIONS).map((r) => oneSession(r, model, 'true', serial))));
    const batched = new LlmScheduler(SESSIONS);
    const parallel3 = await timed(() => Promise.all(repos.slice(2 * SESSIONS).map((r) => oneSession(r, model, 'true', batched))));
    process.stdout.write(
      [
        `real mlx_lm.server (tiny model, CPU), ${SESSIONS} sessions of 3 model turns each`,
        `  sequential                 ${seconds(sequential)}   (baseline)`,
        `  parallel, concurrency 1    ${seconds(parallel1)}   ${(parallel1 / sequential).toFixed(2)}×`,
        `  parallel, concurrency ${SESSIONS}    ${seconds(parallel3)}   ${(parallel3 / sequential).toFixed(2)}×  (server batching)`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stopAfter();
    for (const r of [...repos, serverHome]) r.cleanup();
  }
}

async function oneSession(repo: BenchRepo, model: ChatModel, check: string, scheduler: LlmScheduler): Promise<void> {
  const prepared = await prepareSession({
    description: 'Print ok',
    repo: repo.repo,
    cwd: repo.repo,
    check,
    maxAttempts: 1,
    home: repo.home,
  });
  await launchSession(prepared, { model, runCheck: runSandboxed, signal: new AbortController().signal, scheduler });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
