// The e2e harness: the built renderer served by the real `mlx-factory ui` (a child process, the real
// core and host), the scripted OpenAI server as the model, and Chromium driven by playwright-core.
import { registerPageForFailures } from '../../support/open-pages.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WebSocket as NodeWebSocket } from 'ws';
import { stringify } from 'yaml';
import type { FactoryApi } from '../../../src/api/client/factory-api.js';
import { protocolsFor, webSocketUrlFor, type Credential } from '../../../src/api/client/connect.js';
import { waitFor } from '../../support/wait-for.js';
import { createWsClient, type WebSocketLike } from '../../../src/api/client/ws-client.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../../support/scripted-server/launch.js';
import { REPO_ROOT, TEST_DEPS_FILE } from '../../support/test-deps.js';
import { freePort } from '../../support/free-port.js';
import { writePidFile } from '../../../src/server/pid-file.js';
import { serverPaths } from '../../../src/server/server-paths.js';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');
const RENDERER_OUT = path.join(REPO_ROOT, 'out', 'renderer', 'index.html');
const BUILD_LOCK = path.join(REPO_ROOT, '.cache', 'renderer-build.lock');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium for the UI tests: recorded by scripts/setup-test-deps.mjs, else Debian's; missing → a failure saying how to get it. */
export function chromiumPath(): string {
  const fromEnv = process.env['MLXF_CHROMIUM'];
  if (fromEnv !== undefined && fromEnv !== '' && fs.existsSync(fromEnv)) return fromEnv;
  try {
    const recorded = (JSON.parse(fs.readFileSync(TEST_DEPS_FILE, 'utf8')) as { chromium?: unknown }).chromium;
    if (typeof recorded === 'string' && fs.existsSync(recorded)) return recorded;
  } catch {
    // not recorded: look in the usual place
  }
  if (fs.existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new Error(
    'Missing test dependency: Chromium (needed by the UI tests). Install it with `node scripts/setup-test-deps.mjs --only chromium` (or run `npm test`, which does it first).',
  );
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the renderer when out/renderer is missing or older than renderer/ or src/api (one builder at a time). */
export async function ensureRendererBuilt(): Promise<void> {
  const sources = Math.max(newestMtime(path.join(REPO_ROOT, 'renderer')), newestMtime(path.join(REPO_ROOT, 'src', 'api')));
  const fresh = (): boolean => fs.existsSync(RENDERER_OUT) && fs.statSync(RENDERER_OUT).mtimeMs >= sources;
  if (fresh()) return;
  fs.mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      break;
    } catch {
      // Another test file is building: wait for it, then use its result. A lock older than 3 min is stale.
      const lock = fs.statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock !== undefined && Date.now() - lock.mtimeMs > 180_000) fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('Timed out waiting for another renderer build.');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (fresh()) return;
    const result = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 170_000 },
    );
    if (result.status !== 0)
      throw new Error(`npm run build failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
    // Vite keeps the source's mtime out of it: mark the output as built now.
    const now = new Date();
    fs.utimesSync(RENDERER_OUT, now, now);
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface UiOptions {
  readonly script?: Script;
  /** Extra factory.yaml (merged over the test defaults). */
  readonly config?: Record<string, Record<string, unknown>>;
  /** Extra CLI flags for `mlx-factory ui`. */
  readonly uiArgs?: readonly string[];
  /** Extra environment for `mlx-factory ui` (e.g. HF_ENDPOINT and HF_HUB_CACHE for model pulls). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface UiHarness {
  /** http://127.0.0.1:PORT/#token=… */
  readonly url: string;
  readonly home: string;
  readonly tmp: string;
  readonly model: ScriptedServer;
  readonly browser: Browser;
  /** What `mlx-factory ui` printed so far (stdout + stderr), for failure messages. */
  output(): string;
  /** The typed API from Node, as a page of the host would use it (same token, same Origin). */
  api(): FactoryApi & { close(): void };
  /** Starts a session through the API (check `python3 main.py`, one attempt unless told) and waits until it has ended; its id. */
  runSession(description: string, repo: string, options?: { check?: string; maxAttempts?: number }): Promise<string>;
  /** Waits until session `id` has ended (no process runs it, its state is not `running`); its state. */
  waitForEnd(id: string, timeoutMs?: number): Promise<string>;
  /** A page on a route (hash), light or dark; `probe` exposes the transcript store to the test. */
  open(
    route: string,
    options?: { dark?: boolean; width?: number; height?: number; probe?: boolean },
  ): Promise<{ page: Page; context: BrowserContext; errors: string[]; external: string[] }>;
  /** Stops `mlx-factory ui` and starts a new one on the same port (a new token, as a user's restart); returns its address. */
  restart(): Promise<string>;
  /** Records a (re)started scripted server in the app's pid file, so the app may adopt it (see recordAsSupervised). */
  recordServer(server: ScriptedServer): void;
  stop(): Promise<void>;
}

/**
 * A model folder that passes the core's checks (config.json + weights) without being a real model:
 * server.model names it, and the scripted server answers as it; recordAsSupervised makes the app's
 * supervisor adopt it on the configured port instead of launching mlx_lm.
 */
function fakeModelFolder(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: 'qwen2', note: 'stand-in for the UI tests; served by the scripted server' }),
  );
  fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.alloc(1024));
  return dir;
}

/**
 * Writes the app's pid file for the scripted server the way a supervisor of the same home records
 * its launch: the app adopts only a server whose listening socket belongs to the recorded pid
 * running the recorded command (a server that merely answers for the model on the port is another
 * program's and is not used). The supervisor named is this test process, which stays alive: the app
 * adopts the server as another supervisor's and never stops it.
 */
function recordAsSupervised(home: string, server: ScriptedServer, model: string): void {
  writePidFile(serverPaths(home).pidFile, {
    pid: server.pid,
    pgid: server.pid,
    host: '127.0.0.1',
    port: server.port,
    model,
    command: [...server.command],
    startedAt: new Date().toISOString(),
    supervisorPid: process.pid,
    state: 'ready',
  });
}

export async function startUi(options: UiOptions = {}): Promise<UiHarness> {
  await ensureRendererBuilt();
  const executablePath = chromiumPath();
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-e2e-')));
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home, { recursive: true });
  const modelDir = fakeModelFolder(path.join(tmp, 'models', 'tiny-coder'));
  // An explicit --port (not 0), so the recorded command line carries the port the app checks for.
  const model = await startScriptedServer({
    script: options.script ?? { coder: [], sheriff: [] },
    model: modelDir,
    port: await freePort(),
  });
  // The host's model is the scripted server, found where factory.yaml says the server is.
  const config = {
    server: { model: modelDir, host: '127.0.0.1', port: model.port, ...(options.config?.['server'] ?? {}) },
    agent: { max_attempts: 3, execution_timeout: 30, llm_timeout: 60, ...(options.config?.['agent'] ?? {}) },
    ...Object.fromEntries(Object.entries(options.config ?? {}).filter(([k]) => k !== 'server' && k !== 'agent')),
  };
  fs.writeFileSync(path.join(home, 'factory.yaml'), stringify(config));
  // Only when the app is pointed at the scripted server (a test may configure its own server instead).
  if (config.server.model === modelDir && config.server.port === model.port) recordAsSupervised(home, model, modelDir);

  let output = '';
  // `mlx-factory ui` as a child process; restart() runs a new one (a new token) on the same port.
  const launch = async (args: readonly string[]): Promise<{ child: ChildProcess; url: string }> => {
    const started: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'mlx-factory.js'), 'ui', ...args], {
      cwd: tmp,
      env: { ...process.env, MLX_FACTORY_HOME: home, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout?.setEncoding('utf8');
    started.stderr?.setEncoding('utf8');
    started.stderr?.on('data', (chunk: string) => (output += chunk));
    let printed = '';
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mlx-factory ui printed no address within 30 s:\n${output}`)), 30_000);
      started.stdout?.on('data', (chunk: string) => {
        output += chunk;
        printed += chunk;
        const match = /MLX Factory is at (http:\/\/\S+)/.exec(printed);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      started.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`mlx-factory ui exited (${code ?? signal}) before printing its address:\n${output}`));
      });
    });
    return { child: started, url: address };
  };
  const stopChild = async (running: ChildProcess): Promise<void> => {
    if (running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGTERM');
    const force = setTimeout(() => running.kill('SIGKILL'), 15_000);
    await new Promise<void>((resolve) => running.once('exit', () => resolve()));
    clearTimeout(force);
  };
  let { child, url } = await launch(options.uiArgs ?? []);

  // The token of the `mlx-factory ui` running now (restart() starts one with a new token).
  const credential = (): Credential => ({ kind: 'token', value: new URL(url).hash.replace('#token=', '') });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  const contexts: BrowserContext[] = [];
  const clients: Array<{ close(): void }> = [];

  const harness: UiHarness = {
    get url() {
      return url;
    },
    home,
    tmp,
    model,
    browser,
    output: () => output,
    recordServer: (server) => recordAsSupervised(home, server, modelDir),
    api() {
      const origin = new URL(url).origin;
      const client = createWsClient({
        url: webSocketUrlFor(url),
        protocols: () => protocolsFor(credential()),
        createSocket: (u, protocols) => new NodeWebSocket(u, [...protocols], { origin }) as unknown as WebSocketLike,
      });
      clients.push(client);
      return client;
    },
    async runSession(description, repo, options = {}) {
      const api = harness.api();
      try {
        const started = await api.request('sessions.start', {
          description,
          repo,
          check: options.check ?? 'python3 main.py',
          maxAttempts: options.maxAttempts ?? 1,
        });
        if (!started.ok) throw new Error(started.error.message);
        await harness.waitForEnd(started.data.id);
        return started.data.id;
      } finally {
        api.close();
      }
    },
    async waitForEnd(id, timeoutMs = 60_000) {
      const api = harness.api();
      try {
        return await waitFor(
          `session ${id} to end`,
          async () => {
            const shown = await api.request('sessions.show', { id });
            return shown.ok && !shown.data.session.live && shown.data.session.state !== 'running' && shown.data.session.state;
          },
          { timeoutMs, everyMs: 200 },
        );
      } finally {
        api.close();
      }
    },
    async open(route, opts = {}) {
      const context = await browser.newContext({
        viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
        colorScheme: opts.dark === true ? 'dark' : 'light',
        deviceScaleFactor: 1,
      });
      contexts.push(context);
      // Functions passed to page.evaluate are compiled by tsx/esbuild, which may wrap named inner
      // functions in a `__name` helper that only exists in Node: give the page a no-op one.
      await context.addInitScript({ content: 'globalThis.__name ??= (f) => f;' });
      // What the page does with the printed address's #token=…: keep it in this tab's sessionStorage
      // (the route needs the fragment for itself here).
      await context.addInitScript({ content: `sessionStorage.setItem('mlx-factory-token', ${JSON.stringify(credential().value)});` });
      const page = await context.newPage();
      registerPageForFailures(page);
      const errors: string[] = [];
      const external: string[] = [];
      const origin = new URL(url).origin;
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('request', (request) => {
        const target = request.url();
        if (
          !target.startsWith(origin) &&
          !target.startsWith(origin.replace('http', 'ws')) &&
          !target.startsWith('data:') &&
          !target.startsWith('blob:')
        )
          external.push(target);
      });
      const target = new URL(url);
      if (opts.probe === true) target.searchParams.set('probe', '1');
      target.hash = route;
      await page.goto(target.href);
      return { page, context, errors, external };
    },
    async restart() {
      const port = new URL(url).port;
      await stopChild(child);
      ({ child, url } = await launch(['--port', port]));
      return url;
    },
    async stop() {
      for (const client of clients) client.close();
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await stopChild(child);
      await model.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return harness;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
