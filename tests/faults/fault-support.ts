// Shared by the fault suite: the real CLI as a process that a test can SIGKILL at a chosen event,
// the two views a user has of sessions afterwards (the CLI and the typed API), and checks that
// nothing of a killed run survives or was lost.
import { spawn, execFileSync, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { ClientConnection } from '../../src/host/client-connection.js';
import { createHost } from '../../src/host/create-host.js';
import { handleRequest } from '../../src/host/handle-request.js';
import { detectSandbox } from '../../src/sandbox/index.js';
import { reapStaleRunCgroups } from '../../src/sandbox/run-cgroup.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { git } from '../support/git-fixtures.js';
import { CLI, runCli, type CliRun } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';
import { startScriptedServer, type ScriptedServer, type StartScriptedServerOptions } from '../support/scripted-server/launch.js';

/** A Coder reply that writes one whole file. */
export const fileReply = (body: string, file = 'main.py'): string => `${file}\n\`\`\`python\n${body}\n\`\`\`\n`;
export const PASS = { content: 'It does what was asked.\nVERDICT: PASS' };
export const FAIL = { content: 'Not yet: fix it.\nVERDICT: FAIL' };

/** Fails (never skips) without bubblewrap: the fault suite runs checks in the real sandbox. */
export async function requireBwrap(): Promise<void> {
  const found = await detectSandbox();
  if (found.kind !== 'bwrap') {
    throw new Error(
      `The fault suite needs bubblewrap but found ${found.kind}: ${found.warning ?? ''}\nInstall it: \`apt-get install -y bubblewrap\` (as root), or run \`npm test\`, which installs the test dependencies.`,
    );
  }
}

export interface Workspace {
  readonly root: string;
  readonly repo: string;
  readonly home: string;
}

/**
 * A user's repository with a committed factory.yaml (sandbox required, small limits) and some
 * local work of the user's that must survive everything: an uncommitted edit and an untracked file.
 * Under /var/tmp, not /tmp: bubblewrap gives the check a private /tmp, so `..` of a worktree under
 * /tmp would be a throw-away tmpfs instead of the (read-only) host.
 */
export function makeWorkspace(name: string, factoryYaml = 'sandbox:\n  require: true\n', homeDir?: string): Workspace {
  const root = fs.realpathSync(fs.mkdtempSync(path.join('/var/tmp', `mlxf-fault-${name}-`)));
  const repo = path.join(root, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# demo\n');
  fs.writeFileSync(path.join(repo, 'notes.txt'), 'line 1\n');
  fs.writeFileSync(path.join(repo, 'factory.yaml'), factoryYaml);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'initial');
  fs.writeFileSync(path.join(repo, 'notes.txt'), 'line 1\nthe user is still typing\n');
  fs.writeFileSync(path.join(repo, 'scratch.txt'), 'untracked work of the user\n');
  return { root, repo, home: homeDir ?? path.join(root, 'home') };
}

export interface FaultHarness {
  /** The scripted model server the file's tests share (started before the first test). */
  readonly server: ScriptedServer;
  /** A server of one test's own (a server to kill, a second one to resume on); stopped after the file. */
  startServer(options?: StartScriptedServerOptions): Promise<ScriptedServer>;
  /** A fresh user repository and home (makeWorkspace), removed after the test. */
  workspace(name: string, factoryYaml?: string, homeDir?: string): Workspace;
}

/**
 * The set-up every fault file shares, registered once at its top level: bubblewrap is required
 * (`sandbox: false` for a file that runs without it), one scripted server is started for the file
 * (`server: false` when its tests start their own), each test's workspaces are removed after it,
 * and the servers stopped and stale run cgroups reaped after the file.
 */
export function useFaultHarness(options: { sandbox?: boolean; server?: boolean } = {}): FaultHarness {
  let shared: ScriptedServer | undefined;
  const servers: ScriptedServer[] = [];
  const workspaces: Workspace[] = [];
  beforeAll(async () => {
    if (options.sandbox !== false) await requireBwrap();
    if (options.server !== false) {
      shared = await startScriptedServer();
      servers.push(shared);
    }
  });
  afterAll(async () => {
    for (const server of servers.splice(0)) await server.stop();
    await cleanUpRunCgroups();
  });
  afterEach(() => {
    for (const ws of workspaces.splice(0)) removeWorkspace(ws);
  });
  return {
    get server(): ScriptedServer {
      if (shared === undefined) throw new Error('useFaultHarness({ server: false }) starts no shared server: use startServer().');
      return shared;
    },
    async startServer(serverOptions) {
      const server = await startScriptedServer(serverOptions);
      servers.push(server);
      return server;
    },
    workspace(name, factoryYaml, homeDir) {
      const ws = makeWorkspace(name, factoryYaml, homeDir);
      workspaces.push(ws);
      return ws;
    },
  };
}

export type JsonEvent = Record<string, unknown> & { type: string };

/** The CLI as a real process, with its --json events parsed as they arrive. */
export class CliProcess {
  readonly events: JsonEvent[] = [];
  readonly done: Promise<CliRun>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private stdout = '';
  private stderr = '';
  private partial = '';
  private readonly waiters = new Set<() => void>();

  constructor(args: readonly string[], options: { cwd: string; home: string; env?: Record<string, string> }) {
    const started = performance.now();
    this.child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, MLX_FACTORY_HOME: options.home, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) this.events.push(JSON.parse(line) as JsonEvent);
      for (const wake of this.waiters) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (exitCode, signal) => {
        for (const wake of this.waiters) wake();
        resolve({ exitCode, signal, stdout: this.stdout, stderr: this.stderr, durationMs: performance.now() - started });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with the first event matching `predicate` (already seen or still to come). */
  waitFor(predicate: (event: JsonEvent) => boolean, what: string, timeoutMs = 30_000): Promise<JsonEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(predicate);
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`the CLI ended before ${what}:\n${this.stdout.slice(-3000)}\n${this.stderr.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs} ms:\n${this.stdout.slice(-3000)}\n${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** SIGKILL: no handler, no cleanup, no last write — as a crash or `kill -9` would. */
  async sigkill(): Promise<CliRun> {
    this.child.kill('SIGKILL');
    return this.done;
  }
}

export function sessionIdOf(events: readonly JsonEvent[]): string {
  const created = events.find((e) => e.type === 'session.created');
  if (created === undefined || typeof created['session'] !== 'string') throw new Error('no session.created event');
  return created['session'];
}

/** `mlx-factory sessions …` as a user would run it after the crash (a fresh process: a "restart"). */
export async function sessionsCli(ws: Workspace, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['sessions', ...args], { cwd: ws.repo, home: ws.home, env });
}

export interface ListedSession {
  id: string;
  state: string;
  reason: string;
  attempts: number;
  steps: number;
  headCommit: string;
  branch: string;
  worktree: string;
}

export async function listSessions(ws: Workspace): Promise<ListedSession[]> {
  const listed = await sessionsCli(ws, ['list', '--json']);
  expect(listed.exitCode, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { sessions: ListedSession[] }).sessions;
}

/** One request to the typed API, answered by a host started on the same home (as the app or `ui` would be after a restart). */
export async function apiRequest(
  home: string,
  name: string,
  params: unknown = {},
): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }> {
  const host = createHost({ home });
  const connection = new ClientConnection(host, () => undefined);
  try {
    return (await handleRequest({ host, connection, transport: 'web', native: { notifications: false } }, name, params)) as {
      ok: boolean;
      data?: unknown;
      error?: { code: string; message: string };
    };
  } finally {
    connection.close();
    await host.shutdown();
  }
}

export async function apiSessionState(home: string, id: string): Promise<{ state: string; reason: string; live: boolean }> {
  const answer = await apiRequest(home, 'sessions.list');
  expect(answer.ok, JSON.stringify(answer.error)).toBe(true);
  const sessions = (answer.data as { sessions: Array<{ id: string; state: string; reason: string; live: boolean }> }).sessions;
  const found = sessions.find((s) => s.id === id);
  if (found === undefined) throw new Error(`the API does not list session ${id}`);
  return found;
}

/** The session's log as the store reads it back (tolerating a half-written last line). */
export function readLog(home: string, id: string): { events: SessionEvent[]; partialTail: boolean } {
  const log = readSessionLog(path.join(home, 'sessions', id, 'events.jsonl'));
  return { events: log.events, partialTail: log.partialTail };
}

/**
 * "Nothing lost": every commit the log records is in the repository, on the session branch, in
 * order, and the branch is exactly at the last one; seqs have no gaps. Returns the commit shas.
 */
export function expectLogMatchesRepo(ws: Workspace, id: string, branch: string): string[] {
  const { events } = readLog(ws.home, id);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const commits = events.filter((e): e is Extract<SessionEvent, { type: 'commit' }> => e.type === 'commit').map((e) => e.sha);
  const base = events.find((e): e is Extract<SessionEvent, { type: 'session.created' }> => e.type === 'session.created')?.baseCommit ?? '';
  const onBranch = git(ws.repo, 'rev-list', '--reverse', `${base}..${branch}`)
    .split('\n')
    .filter((l) => l !== '');
  expect(onBranch).toEqual(commits);
  expect(git(ws.repo, 'fsck', '--no-dangling', '--no-progress').trim()).toBe('');
  return commits;
}

interface ProcEntry {
  pid: number;
  state: string;
  cwd: string;
  cmdline: string;
}

function liveProcesses(): ProcEntry[] {
  const entries: ProcEntry[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
      if (state === 'Z' || state === 'X') continue; // dead, waiting for a reaper that may never come
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let cwd = '';
      try {
        cwd = fs.readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // a kernel thread, or gone
      }
      entries.push({ pid: Number(name), state, cwd, cmdline });
    } catch {
      // exited while we looked
    }
  }
  return entries;
}

/** Running processes working in `dir` or naming `marker` in their command line (Linux /proc). */
export function processesUsing(dir: string, marker?: string): ProcEntry[] {
  return liveProcesses().filter(
    (p) => p.cwd === dir || p.cwd.startsWith(`${dir}/`) || (marker !== undefined && p.cmdline.includes(marker)),
  );
}

/** Waits until nothing runs in `dir` (or with `marker`); returns how long that took, or throws with the survivors. */
export async function expectNoOrphans(dir: string, marker?: string, withinMs = 5000): Promise<number> {
  const started = Date.now();
  await waitFor(
    `no process left in ${dir}${marker === undefined ? '' : ` or naming ${marker}`}`,
    () => processesUsing(dir, marker).length === 0,
    {
      timeoutMs: withinMs,
      everyMs: 50,
      detail: () =>
        `orphans:\n${processesUsing(dir, marker)
          .map((p) => `${p.pid} ${p.state} ${p.cwd} ${p.cmdline}`)
          .join('\n')}`,
    },
  );
  return Date.now() - started;
}

/** Run cgroups a SIGKILLed host left behind are cleaned here too, so the suite leaves none. */
export async function cleanUpRunCgroups(): Promise<void> {
  await reapStaleRunCgroups();
}

export function removeWorkspace(ws: Workspace | undefined): void {
  if (ws === undefined) return;
  // Worktrees registered in the repo live under the home; both go with the root.
  fs.rmSync(ws.root, { recursive: true, force: true });
}

export function realGit(): string {
  return execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
}

/** The session events of one type, typed. */
export function ofType<T extends SessionEvent['type']>(
  events: readonly SessionEvent[],
  type: T,
): Array<Extract<SessionEvent, { type: T }>> {
  return events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
}
