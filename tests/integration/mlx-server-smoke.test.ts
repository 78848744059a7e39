// Smoke test of the REAL mlx_lm.server on the tiny local model (no mocks): start it, wait for
// the port and for a 1-token completion, then check non-streaming and streaming chat completions
// and GET /v1/models. Fails (does not skip) when the test dependencies are missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../support/free-port.js';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlxServerEnv, testDeps, tinyModelInfo, type TestDeps, type TinyModelInfo } from '../support/test-deps';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 30_000;

let deps: TestDeps;
let info: TinyModelInfo;
let server: ChildProcess | undefined;
let port = 0;
let logs = '';
let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
/** Why the server could not be started; every test rethrows it so each one fails, not skips. */
let setupError: unknown;

function requireServer(): void {
  if (setupError !== undefined) throw setupError;
}

function canConnect(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Throws if the server died or logged a fatal start-up error (see MLX-SERVER-NOTES.md §1). */
function assertServerAlive(): void {
  const fatal = /Exception in thread|Address already in use|Traceback \(most recent call last\)/.exec(logs);
  if (exited || fatal) {
    const why = exited ? `exited (code ${exited.code}, signal ${exited.signal})` : `logged "${fatal?.[0]}"`;
    throw new Error(`mlx_lm.server ${why}; its output:\n${logs.slice(-4000)}`);
  }
}

function url(p: string): string {
  return `http://${HOST}:${port}${p}`;
}

async function chat(body: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Response> {
  return fetch(url('/v1/chat/completions'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

const MESSAGES = [{ role: 'user', content: 'Say hello.' }];

function rssKiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // no /proc (macOS)
  }
}

function killServer(signal: NodeJS.Signals): void {
  if (server?.pid && !exited) {
    try {
      process.kill(-server.pid, signal); // the whole process group (spawned detached)
    } catch {
      // already gone
    }
  }
}

// Backstop: never leave the server behind, even if the worker exits without running afterAll.
const onExit = () => killServer('SIGKILL');

beforeAll(async () => {
  try {
    await startServer();
  } catch (e) {
    setupError = e;
  }
}, READY_TIMEOUT_MS + 30_000);

async function startServer(): Promise<void> {
  deps = testDeps(); // throws with the missing dependency and the command to install it
  info = tinyModelInfo(deps);
  port = await freePort();
  process.once('exit', onExit);

  const args = ['-m', 'mlx_lm', 'server', '--model', deps.model, '--host', HOST, '--port', String(port)];
  const t0 = performance.now();
  server = spawn(deps.python, args, {
    env: mlxServerEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (b: Buffer) => {
    logs += b.toString('utf8');
    if (logs.length > 200_000) logs = logs.slice(-100_000);
  };
  server.stdout?.on('data', collect);
  server.stderr?.on('data', collect);
  server.once('exit', (code, signal) => (exited = { code, signal }));
  server.once('error', (e) => {
    logs += `\nspawn error: ${e.message}`;
    exited = { code: null, signal: null };
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let portOpenMs: number | undefined;
  while (portOpenMs === undefined) {
    assertServerAlive();
    if (Date.now() > deadline) throw new Error(`port ${port} not open after ${READY_TIMEOUT_MS} ms:\n${logs}`);
    if (await canConnect()) portOpenMs = performance.now() - t0;
    else await sleep(50);
  }

  // The port opens before the model has loaded; a 1-token completion is the readiness probe.
  let readyMs: number | undefined;
  let lastError = '';
  while (readyMs === undefined) {
    assertServerAlive();
    if (Date.now() > deadline) {
      throw new Error(`no completion after ${READY_TIMEOUT_MS} ms (last: ${lastError}):\n${logs}`);
    }
    try {
      const res = await chat({ messages: MESSAGES, max_tokens: 1 }, Math.max(1000, deadline - Date.now()));
      if (res.ok) {
        await res.json();
        readyMs = performance.now() - t0;
      } else {
        lastError = `HTTP ${res.status}: ${await res.text()}`;
        await sleep(200);
      }
    } catch (e) {
      lastError = String(e);
      await sleep(200);
    }
  }
  const rss = server.pid ? rssKiB(server.pid) : null;
  console.log(
    `[mlx-server-smoke] mlx ${deps.mlxVersion}, mlx-lm ${deps.mlxLmVersion}; ` +
      `spawn -> port open ${portOpenMs.toFixed(0)} ms; spawn -> first 1-token completion ${readyMs.toFixed(0)} ms; ` +
      `server RSS after load ${rss === null ? 'n/a' : `${(rss / 1024).toFixed(1)} MiB`}\n` +
      `  command: ${deps.python} ${args.join(' ')}`,
  );
}

afterAll(async () => {
  process.removeListener('exit', onExit);
  if (!server || exited) return;
  const gone = new Promise<void>((resolve) => server?.once('exit', () => resolve()));
  killServer('SIGTERM');
  const timedOut = await Promise.race([gone.then(() => false), sleep(5000).then(() => true)]);
  if (timedOut) {
    killServer('SIGKILL');
    await Promise.race([gone, sleep(5000)]);
  }
}, 20_000);

describe('mlx_lm.server on the tiny model', () => {
  it('answers a 1-token non-streaming chat completion', async () => {
    requireServer();
    const res = await chat({ messages: MESSAGES, max_tokens: 1 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      system_fingerprint: string;
      choices: { finish_reason: string; message: { role: string; content: string } }[];
      usage: { completion_tokens: number; prompt_tokens: number; total_tokens: number };
    };
    expect(body.object).toBe('chat.completion');
    expect(body.system_fingerprint.startsWith(`${deps.mlxLmVersion}-${deps.mlxVersion}-`)).toBe(true);
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.choices[0]?.message.role).toBe('assistant');
    expect(body.choices[0]?.message.content).toBe(info.reply.slice(0, 'Hello'.length));
    expect(body.usage.completion_tokens).toBe(1);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 1);
  });

  it('finishes a full reply with the EOS token (finish_reason stop)', async () => {
    requireServer();
    const res = await chat({ messages: MESSAGES, max_tokens: 50 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { finish_reason: string; message: { content: string } }[];
      usage: { completion_tokens: number };
    };
    expect(body.choices[0]?.message.content).toBe(info.reply);
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.usage.completion_tokens).toBe(info.completion_tokens);
  });

  it('streams chunks, a usage event and [DONE] with stream_options.include_usage', async () => {
    requireServer();
    const res = await chat({
      messages: MESSAGES,
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text(); // HTTP/1.0: the stream ends when the server closes it
    const events = text
      .split(/\n\n/)
      .map((e) => e.trim())
      .filter((e) => e.startsWith('data: '))
      .map((e) => e.slice('data: '.length));
    expect(events.at(-1)).toBe('[DONE]');
    interface StreamEvent {
      object: string;
      choices: { finish_reason: string | null; delta?: { role?: string; content?: string } }[];
      usage?: { completion_tokens: number };
    }
    const json = events.slice(0, -1).map((e) => JSON.parse(e) as StreamEvent);
    const chunks = json.filter((e) => e.object === 'chat.completion.chunk');
    const usage = json.filter((e) => e.object === 'chat.completion');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(info.reply);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(usage).toHaveLength(1);
    expect(usage[0]?.choices).toEqual([]);
    expect(usage[0]?.usage?.completion_tokens).toBe(info.completion_tokens);
    expect(json.at(-1)).toBe(usage[0]); // usage comes last, right before [DONE]
  });

  it('lists the loaded model at GET /v1/models', async () => {
    requireServer();
    const res = await fetch(url('/v1/models'), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toContain(deps.model);
  });
});
