// Starts the scripted server as a real child process for integration tests and benches.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseScript, RecordedRequestSchema, ServerStatsSchema, type RecordedRequest, type Script, type ServerStats } from './schema.js';
import { scriptedServerNodeArgs } from './server-command.js';

export type { Fault, Persona, RecordedRequest, Script, ScriptedReply, ServerStats } from './schema.js';
export { parseScript, ScriptSchema, ScriptedReplySchema, RecordedRequestSchema } from './schema.js';
export { tokenize } from './replies.js';

// `--import tsx` (when the bundle is not current) is resolved from the child's cwd: the project root.
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READY_LINE = /Starting httpd at \S+ on port (\d+)\.\.\./;
const STDERR_KEEP = 64 * 1024;
const STOP_GRACE_MS = 5000;

export interface StartScriptedServerOptions {
  script?: Script;
  /** Port to listen on; default 0 (a free port). */
  port?: number;
  model?: string;
  /** Extra CLI flags, e.g. ['--max-tokens', '16']. */
  extraArgs?: string[];
  /** How long to wait for the ready line; default 15 s. */
  startTimeoutMs?: number;
}

export interface ScriptedServer {
  /** Base URL without /v1, e.g. http://127.0.0.1:54321 */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The argv it was started with (program first), as a supervisor records a launch in its pid file. */
  readonly command: readonly string[];
  /** Replace the script and reset every persona queue. */
  setScript(script: Script): Promise<void>;
  requests(): Promise<RecordedRequest[]>;
  clearRequests(): Promise<void>;
  stats(): Promise<ServerStats>;
  /** Send a signal (default SIGTERM) without waiting; true if it was delivered. */
  kill(signal?: NodeJS.Signals): boolean;
  /** SIGTERM (SIGKILL after 5 s) and wait for the exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Exit code, or null when ended by a signal. */
  readonly exited: Promise<number | null>;
  /** The most recent stderr output (request log), for debugging failures. */
  stderr(): string;
}

// Children still running when the test process exits are killed, never orphaned.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function rememberChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });
}

function writeScriptFile(script: Script): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scripted-server-'));
  const path = join(dir, 'script.json');
  writeFileSync(path, JSON.stringify(script));
  return { path, dir };
}

function serverArgs(opts: StartScriptedServerOptions, scriptPath: string | undefined): string[] {
  const args = [...scriptedServerNodeArgs(), '--port', String(opts.port ?? 0)];
  args.push('--parent-pid', String(process.pid));
  if (opts.model !== undefined) args.push('--model', opts.model);
  if (scriptPath !== undefined) args.push('--script', scriptPath);
  return [...args, ...(opts.extraArgs ?? [])];
}

/** Keeps the tail of a stream's text so errors can show what the child said. */
function captureTail(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-STDERR_KEEP);
  });
  return () => text;
}

function waitForReady(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const fail = (why: string): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`Scripted server did not start: ${why}\n--- stderr ---\n${stderr()}`));
    };
    const onData = (chunk: string): void => {
      buffered += chunk;
      const match = READY_LINE.exec(buffered);
      if (!match) return;
      cleanup();
      resolve(Number(match[1]));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`process exited (code ${String(code)}, signal ${String(signal)})`);
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} failed with ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

export async function startScriptedServer(opts: StartScriptedServerOptions = {}): Promise<ScriptedServer> {
  // Validate here so a bad script fails in the test, not in a child's stderr.
  const scriptFile = opts.script === undefined ? undefined : writeScriptFile(parseScript(opts.script));
  const args = serverArgs(opts, scriptFile?.path);
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  rememberChild(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null)); // spawn failure: no 'exit' follows
  });
  void exited.then(() => {
    if (scriptFile) rmSync(scriptFile.dir, { recursive: true, force: true });
  });
  const stderr = captureTail(child.stderr);
  const port = await waitForReady(child, stderr, opts.startTimeoutMs ?? 15_000);
  child.stdout?.resume(); // keep draining so the child never blocks on a full pipe
  return makeHandle(child, [process.execPath, ...args], port, exited, stderr);
}

function makeHandle(
  child: ChildProcess,
  command: readonly string[],
  port: number,
  exited: Promise<number | null>,
  stderr: () => string,
): ScriptedServer {
  const url = `http://127.0.0.1:${port}`;
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    url,
    port,
    pid: child.pid ?? -1,
    command,
    exited,
    stderr,
    async setScript(script) {
      await control(url, 'PUT', '/__script', parseScript(script));
    },
    async requests() {
      return z.array(RecordedRequestSchema).parse(await control(url, 'GET', '/__requests'));
    },
    async clearRequests() {
      await control(url, 'DELETE', '/__requests');
    },
    async stats() {
      return ServerStatsSchema.parse(await control(url, 'GET', '/__stats'));
    },
    kill(signal = 'SIGTERM') {
      return hasExited() ? false : child.kill(signal);
    },
    async stop() {
      if (hasExited()) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(force);
    },
  };
}
