/**
 * #17 part 1 against the REAL mlx_lm.server (tiny local model): the cached share of prompt tokens
 * from attempt 2 on, and the time to first token of the Coder's turn at attempt 5 vs attempt 1.
 *
 * The prompts are the ones our loop really builds: a 5-attempt session (five files in play, one
 * changing every attempt) is run against the scripted server, which records every request; those
 * requests are then sent, in the same order and one at a time, to a real mlx_lm.server, which reports
 * `usage.prompt_tokens_details.cached_tokens` from its LRU prompt cache. (The tiny model cannot play
 * the Coder itself: its weights are random.) Ratios only, from one run; nothing asserts on time.
 */
import OpenAI from 'openai';
import { defaultConfig } from '../src/config/config-schema.js';
import { OpenAiChatModel } from '../src/llm/openai-chat-model.js';
import { runSandboxed } from '../src/sandbox/index.js';
import { createMlxSupervisor } from '../src/server/create-mlx-supervisor.js';
import { launchSession, prepareSession } from '../src/sessions/start-session.js';
import { freePort } from '../tests/support/free-port.js';
import { startScriptedServer, type RecordedRequest } from '../tests/support/scripted-server/launch.js';
import { mlxServerEnv, testDeps } from '../tests/support/test-deps.js';
import { makeBenchRepo } from './_fixtures.js';

const ATTEMPTS = 5;

const module = (name: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `def ${name}_${i}(x):\n    """Return x plus ${i}."""\n    return x + ${i}\n`).join('\n');

/** The prompts of a real 5-attempt session, as the scripted server received them. */
async function sessionPrompts(): Promise<RecordedRequest[]> {
  const files: Record<string, string> = {
    'lib/alpha.py': module('alpha', 10),
    'lib/beta.py': module('beta', 10),
    'lib/gamma.py': module('gamma', 10),
    'lib/delta.py': module('delta', 10),
    'app.py': 'print("start")\n',
  };
  for (let i = 0; i < 12; i += 1) files[`pkg/mod_${i}.py`] = `class Thing${i}:\n    pass\n`;
  const bench = makeBenchRepo('prompt-cache', files);
  const coder = Array.from({ length: ATTEMPTS }, (_, i) => ({
    content: `app.py\n\`\`\`python\nimport sys\nfrom lib import alpha\nprint(alpha.alpha_${i}(${i}))\nsys.exit(${i + 1})\n\`\`\`\n`,
  }));
  const server = await startScriptedServer({
    script: { coder, sheriff: [{ content: 'The program exits with an error.\nVERDICT: FAIL' }] },
  });
  try {
    const prepared = await prepareSession({
      description: 'Make app.py print the sum of lib/alpha.py, lib/beta.py, lib/gamma.py and lib/delta.py helpers',
      repo: bench.repo,
      cwd: bench.repo,
      check: 'python3 app.py',
      maxAttempts: ATTEMPTS,
      home: bench.home,
    });
    await launchSession(prepared, {
      model: new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 60_000 }),
      runCheck: runSandboxed,
      signal: new AbortController().signal,
    });
    return await server.requests();
  } finally {
    await server.stop();
    bench.cleanup();
  }
}

interface Measured {
  readonly persona: string;
  readonly attempt: number;
  readonly prompt: number;
  readonly cached: number;
  readonly ttftMs: number;
}

async function replay(url: string, requests: readonly RecordedRequest[]): Promise<Measured[]> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0, timeout: 600_000 });
  const out: Measured[] = [];
  let attempt = 0;
  for (const r of requests) {
    if (r.persona === 'coder') attempt += 1; // one Coder turn per attempt in this session (every reply applies)
    const started = performance.now();
    let first: number | null = null;
    let usage: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } | null } | undefined;
    const stream = await client.chat.completions.create({
      messages: r.messages.map((m) => ({ role: m.role as 'system' | 'user', content: String(m.content) })),
      max_tokens: 4,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    for await (const chunk of stream) {
      if (first === null && (chunk.choices[0]?.delta?.content ?? '') !== '') first = performance.now();
      if (chunk.usage) usage = chunk.usage;
    }
    out.push({
      persona: r.persona,
      attempt,
      prompt: usage?.prompt_tokens ?? 0,
      cached: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      ttftMs: (first ?? performance.now()) - started,
    });
  }
  return out;
}

export async function run(): Promise<void> {
  const requests = await sessionPrompts();
  const deps = testDeps();
  const port = await freePort();
  const base = defaultConfig();
  const config = { ...base, server: { ...base.server, model: deps.model, python: deps.python, port } };
  const home = makeBenchRepo('prompt-cache-home', { 'README.md': '#\n' });
  const { supervisor } = createMlxSupervisor({ config, home: home.home, env: mlxServerEnv(), supervisor: { stopGraceMs: 3000 } });
  try {
    await supervisor.start();
    const rows = await replay(`http://127.0.0.1:${port}`, requests);
    const later = rows.filter((r) => r.attempt >= 2);
    const share =
      later.reduce((n, r) => n + r.cached, 0) /
      Math.max(
        1,
        later.reduce((n, r) => n + r.prompt, 0),
      );
    const coder = rows.filter((r) => r.persona === 'coder');
    const ttft1 = coder.find((r) => r.attempt === 1)?.ttftMs ?? NaN;
    const ttft5 = coder.find((r) => r.attempt === ATTEMPTS)?.ttftMs ?? NaN;
    process.stdout.write(
      [
        `real mlx_lm.server ${deps.mlxLmVersion}, tiny model; ${requests.length} prompts of a ${ATTEMPTS}-attempt session (5 files in play, app.py changing)`,
        ...rows.map(
          (r) =>
            `attempt ${r.attempt} ${r.persona.padEnd(7)} prompt ${String(r.prompt).padStart(5)}  cached ${String(r.cached).padStart(5)} (${((r.cached / Math.max(1, r.prompt)) * 100).toFixed(0).padStart(3)} %)  ttft ${r.ttftMs.toFixed(0)} ms`,
        ),
        `cached share of prompt tokens from attempt 2 on: ${(share * 100).toFixed(1)} % (target ≥ 70 %)`,
        `Coder time to first token, attempt ${ATTEMPTS} vs attempt 1: ${(ttft5 / ttft1).toFixed(2)}× (${ttft5.toFixed(0)} ms vs ${ttft1.toFixed(0)} ms)`,
        '',
      ].join('\n'),
    );
  } finally {
    await supervisor.stop();
    home.cleanup();
  }
}
