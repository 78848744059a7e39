/**
 * Orchestration overhead: with the scripted server streaming at a fixed rate and a real check, the
 * orchestrator's own time per attempt (total − model time − check time), as a share of the run.
 * Target ≤ 2 %. Runs the real core in-process (so CLI start-up is not counted) against the scripted
 * server as its own process.
 */
import type { SessionEvent } from '../src/api/events.js';
import { OpenAiChatModel } from '../src/llm/openai-chat-model.js';
import { runSandboxed } from '../src/sandbox/index.js';
import { launchSession, prepareSession } from '../src/sessions/start-session.js';
import { startScriptedServer } from '../tests/support/scripted-server/launch.js';
import { makeBenchRepo } from './_fixtures.js';

/**
 * A realistic turn: a 7B 4-bit coder model on Apple silicon streams roughly 40–100 tok/s, and writes
 * a few hundred tokens per Coder reply (a whole file) and ~100 per Sheriff reply. The scripted server
 * counts 4 characters as a token.
 */
const TOKENS_PER_SECOND = 60;
const CODER_REPLY_TOKENS = 400;
const SHERIFF_REPLY_TOKENS = 100;
const ATTEMPTS = 3;

export async function run(): Promise<void> {
  const bench = makeBenchRepo('overhead', { 'README.md': '# bench\n' });
  const { repo } = bench;

  // Attempts 1..N-1 fail (a different wrong number each time), the last passes.
  const filler = (tokens: number, prefix: string): string =>
    `${prefix} ${'lorem ipsum dolor sit amet, '.repeat(Math.ceil((tokens * 4) / 28))}`.slice(0, tokens * 4);
  const program = (n: number): string =>
    `main.py\n\`\`\`python\nimport sys\n# attempt ${n}\n${filler(CODER_REPLY_TOKENS - 40, '#').replace(/(.{80})/g, '$1\n# ')}\nprint(${n})\nsys.exit(${n === ATTEMPTS ? 0 : 1})\n\`\`\`\n`;
  const server = await startScriptedServer({
    script: {
      defaults: { tokensPerSecond: TOKENS_PER_SECOND },
      coder: Array.from({ length: ATTEMPTS }, (_, i) => ({ content: `Here is the program.\n\n${program(i + 1)}` })),
      sheriff: [
        ...Array.from({ length: ATTEMPTS - 1 }, (_, i) => ({
          content: `${filler(SHERIFF_REPLY_TOKENS, `Attempt ${i + 1} exited 1.`)}\nVERDICT: FAIL`,
        })),
        { content: `${filler(SHERIFF_REPLY_TOKENS, 'Correct.')}\nVERDICT: PASS` },
      ],
    },
  });
  try {
    const prepared = await prepareSession({
      description: 'Print a number and exit 0',
      repo,
      cwd: repo,
      check: 'python3 main.py',
      home: bench.home,
    });
    const events: SessionEvent[] = [];
    const started = performance.now();
    const summary = await launchSession(prepared, {
      model: new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 60_000 }),
      runCheck: runSandboxed,
      signal: new AbortController().signal,
      onLog: (log) => log.subscribe((e) => events.push(e)),
    });
    const total = performance.now() - started;
    const model = sum(events, 'turn.finished');
    const check = sum(events, 'exec.finished');
    const overhead = total - model - check;
    const perAttempt = overhead / summary.attempts;
    process.stdout.write(
      [
        `status ${summary.state} after ${summary.attempts} attempts; scripted stream at ${TOKENS_PER_SECOND} tok/s, ~${CODER_REPLY_TOKENS} tokens per Coder reply, ~${SHERIFF_REPLY_TOKENS} per Sheriff reply`,
        `total           ${ms(total)}`,
        `model time      ${ms(model)}  (baseline: time inside model turns)`,
        `check time      ${ms(check)}  (baseline: time inside the sandboxed check)`,
        `orchestration   ${ms(overhead)}  = ${ms(perAttempt)} per attempt`,
        `overhead share  ${((overhead / total) * 100).toFixed(2)} % of the run  (target ≤ 2 %)`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    bench.cleanup();
  }
}

function sum(events: readonly SessionEvent[], type: 'turn.finished' | 'exec.finished'): number {
  return events.reduce((acc, e) => (e.type === type ? acc + e.durationMs : acc), 0);
}

function ms(value: number): string {
  return `${value.toFixed(1).padStart(8)} ms`;
}
