// Helpers for the server supervisor tests: temp homes, launch commands (the scripted stand-in for
// mlx_lm.server, or small Node programs that fail the way mlx_lm.server does), and checks that no
// process was left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerStateEvent } from '../../src/api/server-events.js';
import { liveGroupMembers } from '../../src/sandbox/process-tree.js';
import type { LaunchBuilder } from '../../src/server/launch-spec.js';
import { isProcessAlive } from '../../src/sandbox/process-tree.js';
import type { ServerSupervisor } from '../../src/server/server-supervisor.js';
import { parseScript, type Script } from '../support/scripted-server/launch.js';
import { scriptedServerNodeArgs } from '../support/scripted-server/server-command.js';
import { waitFor } from '../support/wait-for.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const cleanups: (() => void | Promise<void>)[] = [];

/** Runs everything registered with `onCleanup`, newest first (call it from afterEach). */
export async function cleanupAll(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

export function onCleanup(fn: () => void | Promise<void>): void {
  cleanups.push(fn);
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Stops the supervisor after the test, whatever happened, and fails the test if its state machine ever refused a transition. */
export function track(supervisor: ServerSupervisor): ServerSupervisor {
  const internal: string[] = [];
  supervisor.on('server.log', (e) => {
    if (e.stream === 'supervisor' && e.line.startsWith('internal:')) internal.push(e.line);
  });
  onCleanup(async () => {
    await supervisor.stop('test over');
    if (internal.length > 0) throw new Error(`supervisor bug(s):\n${internal.join('\n')}`);
  });
  return supervisor;
}

/** The scripted OpenAI server started with mlx_lm.server's flags; the script survives restarts (it is a file). */
export function scriptedLaunch(script: Script = {}, model = 'scripted-model'): LaunchBuilder {
  const dir = tempDir('scripted-launch-');
  const file = path.join(dir, 'script.json');
  fs.writeFileSync(file, JSON.stringify(parseScript(script)));
  return (port, host) => ({
    command: process.execPath,
    args: [...scriptedServerNodeArgs(), '--model', model, '--host', host, '--port', String(port), '--script', file],
    cwd: REPO_ROOT, // (for tsx, when the bundle is not current: `--import tsx` resolves from the cwd)
  });
}

/** A Node program standing in for a misbehaving server; it gets `--port N --host H` like the real one. */
export function nodeProgram(code: string): LaunchBuilder {
  return (port, host) => ({ command: process.execPath, args: ['-e', code, '--', '--port', String(port), '--host', host] });
}

/** Code fragment: the port from `--port N` in argv. */
export const PORT_FROM_ARGV = "const port = Number(process.argv[process.argv.indexOf('--port') + 1]);";

export function collectStates(supervisor: ServerSupervisor): ServerStateEvent[] {
  const states: ServerStateEvent[] = [];
  supervisor.on('server.state', (event) => states.push(event));
  return states;
}

/** The process and everything in its group are gone (zombies do not count). */
export async function expectGone(pid: number): Promise<void> {
  await waitFor(
    `pid ${pid} and its group to be gone`,
    async () => !isProcessAlive(pid) && (await liveGroupMembers(pid)).length === 0,
    10_000,
  );
}

export const CODER_SYSTEM = 'You are the Coder.\nWrite code.';

export { freePort } from '../support/free-port.js';
export { waitFor } from '../support/wait-for.js';
