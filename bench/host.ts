/**
 * `npm run bench -- host [--loaded]`: the UI host as one client sees it, over the real WebSocket API:
 *   - `sessions.list` with 200 sessions (clones of one real session's log), requests per second from
 *     one client asking again as soon as it has the answer: a polling client that passes the version
 *     it has (answered "unchanged")                                    ≥ 1,000/s
 *     and one that takes the whole list each time (the host sends the answer's JSON built once per
 *     list version; the client checks it once and knows it again by its bytes)  ≥ 1,000/s,
 *     against `app.info` (a request that reads nothing) and the same bytes over a bare WebSocket
 *     (no API) in the same run: what the transport costs;
 *   - the memory history kept across a restart: a host started on a home with a full history (1,800
 *     samples on disk) against one on an empty home;
 *   - the heap a host keeps per closed session it has listed and shown  ≤ 10 KB.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { protocolsFor } from '../src/api/client/connect.js';
import type { MemorySample } from '../src/api/payloads.js';
import type { RequestName } from '../src/api/requests.js';
import { WS_PATH } from '../src/api/wire.js';
import { createWsClient, type WebSocketLike } from '../src/api/client/ws-client.js';
import { FactoryHost } from '../src/host/factory-host.js';
import { startWebHost } from '../src/host/web-host.js';
import { startScriptedServer } from '../tests/support/scripted-server/launch.js';
import { loadRequested, startCpuLoad } from './_cpu-load.js';

const SESSIONS = 200;
const SECONDS = 3;
const LIST_TARGET_PER_SECOND = 1000;
const HISTORY = 1800;
const MEMORY_SESSIONS = 1000;
const ROOT = path.resolve(import.meta.dirname, '..');
const MEMORY_PROBE = path.join(ROOT, 'bench', '_host-memory.ts');
const IDENTITY = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'mlx-factory.js');

export async function run(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-bench-host-'));
  try {
    const home = await homeWithSessions(tmp);
    const load = loadRequested() ? startCpuLoad() : null;
    out(
      `machine: ${os.cpus().length} CPUs, ${load ? 'one core kept busy by another process' : 'no added load'}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    try {
      await requestRates(home, tmp);
      memoryHistoryStart(tmp);
      await memoryPerClosedSession(tmp);
    } finally {
      await load?.stop();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function requestRates(home: string, tmp: string): Promise<void> {
  const host = new FactoryHost({ home, version: 'bench' });
  const rendererDir = path.join(tmp, 'renderer');
  fs.mkdirSync(rendererDir, { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>bench</title>');
  const web = await startWebHost({ host, rendererDir });
  const origin = `http://127.0.0.1:${web.port}`;
  const client = createWsClient({
    url: `ws://127.0.0.1:${web.port}${WS_PATH}`,
    protocols: () => protocolsFor({ kind: 'token', value: web.token }),
    createSocket: (url, protocols) => new NodeWebSocket(url, [...protocols], { origin }) as unknown as WebSocketLike,
  });
  try {
    const first = await client.request('sessions.list', {});
    if (!first.ok) throw new Error(`sessions.list failed: ${first.error.message}`);
    const listed = first.data.sessions.length;
    // Alternating one-second rounds, so load from elsewhere hits both alike.
    const version = first.data.version;
    let list = { count: 0, ms: 0 };
    let polled = { count: 0, ms: 0 };
    let info = { count: 0, ms: 0 };
    let raw = { count: 0, ms: 0 };
    const bytes = JSON.stringify(first.data).length;
    const floor = await rawSocket(bytes);
    try {
      for (let round = 0; round < SECONDS; round++) {
        list = add(list, await rate(client, 'sessions.list'));
        polled = add(polled, await rate(client, 'sessions.list', { since: version }));
        info = add(info, await rate(client, 'app.info'));
        raw = add(raw, await floor.rate());
      }
    } finally {
      await floor.close();
    }
    const listRate = (list.count / list.ms) * 1000;
    const polledRate = (polled.count / polled.ms) * 1000;
    const infoRate = (info.count / info.ms) * 1000;
    const rawRate = (raw.count / raw.ms) * 1000;
    out(`\nsessions.list, ${listed} sessions, one client, ${SECONDS} s each (alternating 1-s rounds):`);
    out(
      `  a polling client (since = its version: "unchanged")  ${polledRate.toFixed(0).padStart(6)} requests/s  (target ≥ ${LIST_TARGET_PER_SECOND}/s → ${polledRate >= LIST_TARGET_PER_SECOND ? 'OK' : 'UNDER'})`,
    );
    out(
      `  the whole list every time (${(bytes / 1024).toFixed(0)} KB, validated by the client)  ${listRate.toFixed(0).padStart(6)} requests/s  (target ≥ ${LIST_TARGET_PER_SECOND}/s → ${listRate >= LIST_TARGET_PER_SECOND ? 'OK' : 'UNDER'})`,
    );
    out(
      `  baseline: the same bytes over a bare WebSocket (no API) ${rawRate.toFixed(0).padStart(6)} frames/s → the whole list at ${(listRate / rawRate).toFixed(2)}× its rate`,
    );
    out(
      `  baseline: app.info ${infoRate.toFixed(0).padStart(6)} requests/s  (the transport alone) → sessions.list at ${(listRate / infoRate).toFixed(2)}× its rate`,
    );
  } finally {
    client.close();
    await web.close();
    await host.shutdown();
  }
}

type Client = ReturnType<typeof createWsClient>;

async function rate(client: Client, name: RequestName, params: { since?: string } = {}): Promise<{ count: number; ms: number }> {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < 1000) {
    const answer = await client.request(name as 'sessions.list', params);
    if (!answer.ok) throw new Error(`${name} failed: ${answer.error.message}`);
    count++;
  }
  return { count, ms: performance.now() - started };
}

/**
 * What moving the whole list's bytes costs with no API at all: a bare WebSocket server in this
 * process answering each message with a text frame of that size, read as a string by a client —
 * the floor for any answer of that size on this machine, under its load at the time.
 */
async function rawSocket(bytes: number): Promise<{ rate(): Promise<{ count: number; ms: number }>; close(): Promise<void> }> {
  const body = Buffer.from(JSON.stringify({ text: 'x'.repeat(Math.max(0, bytes - 11)) }));
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => socket.on('message', () => socket.send(body, { binary: false })));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the bare WebSocket server has no port');
  const socket = new NodeWebSocket(`ws://127.0.0.1:${address.port}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    rate: () =>
      new Promise((resolve) => {
        const started = performance.now();
        let count = 0;
        socket.onmessage = (event) => {
          if (typeof event.data !== 'string') throw new Error('the bare WebSocket sent a binary frame');
          count++;
          if (performance.now() - started < 1000) socket.send('x');
          else resolve({ count, ms: performance.now() - started });
        };
        socket.send('x');
      }),
    close: async () => {
      socket.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function add(a: { count: number; ms: number }, b: { count: number; ms: number }): { count: number; ms: number } {
  return { count: a.count + b.count, ms: a.ms + b.ms };
}

/** The memory view's history: what a start pays to read it back, and that it is all there. */
function memoryHistoryStart(tmp: string): void {
  const full = path.join(tmp, 'history-home');
  fs.mkdirSync(path.join(full, 'logs'), { recursive: true });
  const sample = (n: number): MemorySample => ({
    time: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    server: { pids: [1234], bytes: 4e9 + n, source: 'proc-rss' },
    system: { totalBytes: 16e9, availableBytes: 8e9, source: 'proc-meminfo' },
    app: { rssBytes: 1.5e8 },
  });
  fs.writeFileSync(
    path.join(full, 'logs', 'memory-samples.jsonl'),
    Array.from({ length: HISTORY }, (_, n) => `${JSON.stringify(sample(n))}\n`).join(''),
  );
  const empty = path.join(tmp, 'empty-home');
  const time = (home: string): { ms: number; kept: number } => {
    const started = performance.now();
    const host = new FactoryHost({ home, version: 'bench' });
    const ms = performance.now() - started;
    const kept = host.memoryHistory().length;
    void host.shutdown();
    return { ms, kept };
  };
  time(empty); // warm
  const runs = Array.from({ length: 5 }, () => [time(full), time(empty)] as const);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const withHistory = median(runs.map(([f]) => f.ms));
  const without = median(runs.map(([, e]) => e.ms));
  out(`\nmemory history across a restart (${HISTORY} samples on disk):`);
  out(
    `  a host starts with ${runs[0]?.[0].kept ?? 0} samples in ${withHistory.toFixed(1)} ms vs ${without.toFixed(1)} ms on an empty home (+${(withHistory - without).toFixed(1)} ms)`,
  );
}

/**
 * What a host keeps per closed session it has seen: a host in a fresh process (heap measured after a
 * full GC) on an empty home, against one that listed 1,000 closed sessions and showed each once.
 */
async function memoryPerClosedSession(tmp: string): Promise<void> {
  const home = await homeWithSessions(tmp, MEMORY_SESSIONS);
  const measure = (which: string): { before: number; after: number; listed: number } =>
    JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', MEMORY_PROBE, which], { encoding: 'utf8', cwd: ROOT }),
    ) as { before: number; after: number; listed: number };
  const empty = path.join(tmp, 'memory-empty-home');
  fs.mkdirSync(empty, { recursive: true });
  const full = measure(home);
  const none = measure(empty);
  const perSession = (full.after - full.before - (none.after - none.before)) / full.listed;
  out(`
host memory per closed session (${full.listed} sessions listed and each shown once; heap after a full GC):`);
  out(
    `  ${(perSession / 1024).toFixed(1)} KB per session above its empty start (target ≤ 10 KB → ${perSession <= 10 * 1024 ? 'OK' : 'OVER'}); baseline: the same steps on an empty home change the heap by ${((none.after - none.before) / 1024).toFixed(0)} KB`,
  );
}

/** One real session (a `run` against the scripted server), cloned `count` times. */
async function homeWithSessions(tmp: string, count = SESSIONS): Promise<string> {
  const repo = path.join(tmp, `repo-${count}`);
  fs.mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  fs.writeFileSync(path.join(repo, 'README.md'), '# bench\n');
  execFileSync('git', ['add', '-A'], { cwd: repo });
  execFileSync('git', ['commit', '-qm', 'init'], { cwd: repo, env: { ...process.env, ...IDENTITY } });
  const source = path.join(tmp, `source-home-${count}`);
  const server = await startScriptedServer({
    script: {
      coder: [
        {
          content: `I will write it.\n\nmain.py\n\`\`\`python\n${Array.from({ length: 30 }, (_, i) => `print('line ${i + 1}')`).join('\n')}\n\`\`\`\n`,
        },
      ],
      sheriff: [{ content: 'Every line is there.\nVERDICT: PASS' }],
    },
  });
  try {
    execFileSync(process.execPath, [BIN, 'run', 'Print the lines', '--server-url', server.url, '--json'], {
      cwd: repo,
      env: { ...process.env, MLX_FACTORY_HOME: source },
      stdio: 'ignore',
    });
  } finally {
    await server.stop();
  }
  const [sourceId] = fs.readdirSync(path.join(source, 'sessions'));
  if (sourceId === undefined) throw new Error('the source run left no session');
  const sourceDir = path.join(source, 'sessions', sourceId);
  const files = fs.readdirSync(sourceDir).map((name) => ({ name, text: fs.readFileSync(path.join(sourceDir, name), 'utf8') }));
  const home = path.join(tmp, `home-${count}`);
  for (let i = 0; i < count; i++) {
    const id = `2601010000-${i.toString(16).padStart(6, '0')}`;
    fs.mkdirSync(path.join(home, 'sessions', id), { recursive: true });
    for (const file of files) fs.writeFileSync(path.join(home, 'sessions', id, file.name), file.text.replaceAll(sourceId, id));
  }
  return home;
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}
