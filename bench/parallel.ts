/**
 * N parallel sessions on one server vs the same sessions one after another.
 * 1. The scripted server, llm_concurrency 1, each session's check taking about as long as its model
 *    turns: while one session waits for the model, another runs its check. Target ≤ 0.7×.
 * 2. The real mlx_lm.server on the tiny model: only model turns (its replies carry no edits, so each
 *    session is three Coder turns), with concurrency 1 and with `llm_concurrency: auto` (#17: the
 *    scheduler `run` gets, up to the server's --decode-concurrency, memory admitting) —
 *    mlx_lm.server batches concurrent requests, which is what auto buys; its log shows the turns
 *    that ran at once.
 */
import os from 'node:os';
import { defaultConfig } from '../src/config/config-schema.js';
import { OpenAiChatModel } from '../src/llm/openai-chat-model.js';
import { LlmScheduler } from '../src/llm/llm-scheduler.js';
import type { ChatModel } from '../src/llm/llm-types.js';
import { runSandboxed } from '../src/sandbox/index.js';
import { ensureServerForRun } from '../src/server/ensure-server-for-run.js';
import { schedulerForServer } from '../src/server/serving/scheduler-for-server.js';
import { serverPaths } from '../src/server/server-paths.js';
import { launchSession, prepareSession } from '../src/sessions/start-session.js';
import { startScriptedServer } from '../tests/support/scripted-server/launch.js';
import { freePort } from '../tests/support/free-port.js';
import { mlxServerEnv, testDeps } from '../tests/support/test-deps.js';
import { makeBenchRepo, type BenchRepo } from './_fixtures.js';
import { fileSize, load, maxPrefillsInOneStep, readFrom } from './_server-log.js';

const SESSIONS = 3;
const ROUNDS = 3;

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
  const repos: BenchRepo[] = [makeBenchRepo('parallel-real-warm', { 'README.md': '# p\n' })];
  const server = await ensureServerForRun({ config, home: serverHome.home, env: mlxServerEnv() });
  // llm_concurrency: auto, as `run` gets it: up to the server's --decode-concurrency, memory admitting.
  const auto = schedulerForServer(config, server);
  const logFile = serverPaths(serverHome.home).logFile;
  let mostAtOnce = 0; // turns the auto scheduler had granted at once (ours); the server's log shows its side
  auto.scheduler.onChange((state) => (mostAtOnce = Math.max(mostAtOnce, state.running)));
  try {
    const model = server.chatModel(120_000);
    await oneSession(repos[0] as BenchRepo, model, 'true', new LlmScheduler(1)); // warm-up (compiles, caches)
    const rounds: Array<{ sequential: number; parallel1: number; parallelAuto: number; together: number; load: string }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const fresh = (): BenchRepo[] =>
        Array.from({ length: SESSIONS }, (_, i) => makeBenchRepo(`parallel-real-${round}-${i}`, { 'README.md': '# p\n' }));
      const [a, b, c] = [fresh(), fresh(), fresh()];
      repos.push(...a, ...b, ...c);
      const sequential = await timed(async () => {
        for (const repo of a) await oneSession(repo, model, 'true', new LlmScheduler(1));
      });
      const serial = new LlmScheduler(1);
      const parallel1 = await timed(() => Promise.all(b.map((r) => oneSession(r, model, 'true', serial))));
      const from = fileSize(logFile);
      const parallelAuto = await timed(() => Promise.all(c.map((r) => oneSession(r, model, 'true', auto.scheduler))));
      rounds.push({ sequential, parallel1, parallelAuto, together: maxPrefillsInOneStep(readFrom(logFile, from)), load: load() });
    }
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
    const seq = median(rounds.map((r) => r.sequential));
    const p1 = median(rounds.map((r) => r.parallel1));
    const pa = median(rounds.map((r) => r.parallelAuto));
    process.stdout.write(
      [
        `real mlx_lm.server (tiny model, CPU, ${os.cpus().length} cores), ${SESSIONS} sessions of 3 model turns each, ${ROUNDS} rounds (medians)`,
        `  ${auto.summary}`,
        `  sequential                 ${seconds(seq)}   (baseline)`,
        `  parallel, concurrency 1    ${seconds(p1)}   ${(p1 / seq).toFixed(2)}×`,
        `  parallel, auto             ${seconds(pa)}   ${(pa / seq).toFixed(2)}×, ${(pa / p1).toFixed(2)}× of concurrency 1  (server batching)`,
        `  server log with auto: up to ${Math.max(...rounds.map((r) => r.together))} prompts prefilled in one step (turns at once: ${rounds.some((r) => r.together > 1) ? 'yes' : 'no'}); the scheduler granted up to ${mostAtOnce} at once`,
        ...rounds.map(
          (r, i) =>
            `  round ${i + 1}: sequential ${seconds(r.sequential)}, concurrency 1 ${seconds(r.parallel1)}, auto ${seconds(r.parallelAuto)} (${r.together} at once)   (${r.load})`,
        ),
        '',
      ].join('\n'),
    );
  } finally {
    auto.stop();
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
