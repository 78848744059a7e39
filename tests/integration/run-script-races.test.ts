// A session's app (#21 run scripts) is a hostile process in its worktree: nothing of ours touches the
// worktree's files beside it. Through the host's typed API and the session operations themselves, on
// real repositories and real runs: this host's own app is stopped first (before a merge, too); an app
// another process runs makes every such operation refuse (RUN_IN_PROGRESS) and write nothing; Run waits
// for the session's loop; log appends wait for a live loop; reverts are one at a time; removals never
// go through a folder swapped for a link.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createIpcClient } from '../../src/api/client/ipc-client.js';
import type { FactoryApi } from '../../src/api/client/factory-api.js';
import { FactoryHost, type FactoryHostOptions } from '../../src/host/factory-host.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { registerIpcHandlers } from '../../src/host/register-ipc.js';
import { isFactoryError } from '../../src/errors/factory-error.js';
import { markViewed, revertChange } from '../../src/sessions/revert-change.js';
import { rollbackSession } from '../../src/sessions/rollback-session.js';
import { mergeSession } from '../../src/sessions/merge-session.js';
import { discardSession } from '../../src/sessions/discard-session.js';
import { updateFromBase } from '../../src/sessions/update-from-base.js';
import { addReviewComment } from '../../src/sessions/review-comments.js';
import { appendEvent, loadSession } from '../../src/sessions/session-store.js';
import { removeWorktreeFiles } from '../../src/workspace/worktree-files.js';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { IpcMainHarness } from '../support/ipc-harness.js';
import { stillRunning, treePids } from '../support/process-tree-pids.js';
import { addStep, createSessionFixture, finishSession, type SessionFixture } from '../support/session-fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { StubServerControl } from '../support/stub-server-control.js';
import { waitFor } from '../support/wait-for.js';

const RUN = 'sleep 100000 & exec python3 -m http.server "$PORT" --bind 127.0.0.1';
const BASE = Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join('');
const HEAD = BASE.replace('line 2\n', 'line 2 changed\n');

const hosts: FactoryHost[] = [];
let model: ScriptedServer;
beforeAll(async () => {
  model = await startScriptedServer();
});
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.shutdown();
});
afterAll(async () => {
  await model.stop();
  removeTempDirs();
});

function startHost(home: string, options: Partial<FactoryHostOptions> = {}) {
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, 'factory.yaml'), stringify({ workspace: { run: RUN } }));
  const host = new FactoryHost({ home, version: 'test', ...options });
  hosts.push(host);
  const ipcMain = new IpcMainHarness();
  registerIpcHandlers(ipcMain, host, { isTrustedSender: ipcMain.isTrustedSender, native: { notifications: false } });
  const api: FactoryApi = createIpcClient(ipcMain.createRenderer().ipcRenderer, () => null);
  return { host, api };
}

async function must<T>(answer: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const result = await answer;
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.data;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A finished session whose step changed app.py and added new.txt and sub/added.txt. */
async function session(home: string): Promise<SessionFixture> {
  const repo = makeRepo({ files: { 'app.py': BASE, 'keep.txt': 'keep\n' } });
  const s = await createSessionFixture({ repo, home });
  await addStep(s, { files: { 'app.py': HEAD, 'new.txt': 'new\n', 'sub/added.txt': 'added\n' } });
  finishSession(s);
  return s;
}

function logText(s: SessionFixture): string {
  return fs.readFileSync(path.join(s.paths.sessions, s.id, 'events.jsonl'), 'utf8');
}

/** Branch, worktree status and log: what "nothing written" means. */
function footprint(s: SessionFixture): string {
  return [git(s.repo, 'rev-parse', s.branch).trim(), git(s.worktree, 'status', '--porcelain', '--untracked-files=all'), logText(s)].join(
    '|',
  );
}

async function refusal(work: () => Promise<unknown> | unknown): Promise<{ code: string; message: string }> {
  try {
    await work();
  } catch (error) {
    if (isFactoryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('an app that another process runs', () => {
  it('makes every operation on the worktree refuse with RUN_IN_PROGRESS, writing nothing', async () => {
    const home = path.join(makeTempDir('mlxf-run-races-'), 'home');
    const s = await session(home);
    // Its app runs in a live process that is not this one (the test runner's parent stands in for a terminal's `sessions run`).
    appendEvent(s.paths, s.id, {
      type: 'run.started',
      command: RUN,
      port: 41_000,
      range: { first: 41_000, last: 41_009 },
      pgid: process.ppid,
      pid: process.ppid,
      sandbox: 'none',
    });
    const before = footprint(s);
    const { api } = startHost(home);
    const inProgress = { code: 'RUN_IN_PROGRESS', message: expect.stringContaining(`Stop the app of session ${s.id} first (Run → Stop`) };

    // The session operations (what the CLI runs)…
    expect(await refusal(() => revertChange(s.paths, s.id, { path: 'new.txt' }))).toEqual(inProgress);
    expect(await refusal(() => rollbackSession(s.paths, s.id, 0))).toEqual(inProgress);
    expect(await refusal(() => mergeSession(s.paths, s.id))).toEqual(inProgress);
    expect(await refusal(() => discardSession(s.paths, s.id))).toEqual(inProgress);
    expect(await refusal(() => updateFromBase(s.paths, s.id))).toEqual(inProgress);
    expect(await refusal(() => addReviewComment(s.paths, s.id, { file: 'app.py', startLine: 1, endLine: 2, text: 'why?' }))).toEqual(
      inProgress,
    );
    // …and the host's requests: its app is not this host's to stop, so they refuse too.
    const requests = [
      api.request('sessions.revert', { id: s.id, path: 'app.py' }),
      api.request('sessions.rollback', { id: s.id, step: 0 }),
      api.request('sessions.merge', { id: s.id }),
      api.request('sessions.discard', { id: s.id }),
      api.request('sessions.updateFromBase', { id: s.id }),
      api.request('sessions.comment', { id: s.id, file: 'app.py', startLine: 1, endLine: 1, text: 'why?' }),
      api.request('sessions.reply', { id: s.id, message: 'Do more.' }),
      api.request('sessions.resume', { id: s.id }),
    ];
    for (const answer of await Promise.all(requests)) expect(answer).toMatchObject({ ok: false, error: inProgress });
    expect(footprint(s)).toBe(before);

    // The app's process gone: its run reads as stopped, and the revert goes through.
    appendEvent(s.paths, s.id, { type: 'run.stopped', reason: 'stop', exitCode: null, signal: 'SIGTERM', durationMs: 1, treeGone: true });
    expect(await must(api.request('sessions.revert', { id: s.id, path: 'new.txt' }))).toMatchObject({ step: 2 });
  }, 120_000);
});

describe("this host's own app", () => {
  it('is stopped (its whole tree) before a revert writes, and before a merge', async () => {
    const home = path.join(makeTempDir('mlxf-run-races-'), 'home');
    const s = await session(home);
    const { api } = startHost(home);

    const started = await must(api.request('sessions.run.start', { id: s.id }));
    await waitFor('the app to listen', () => portOpen(started.port));
    const tree = treePids(started.pgid);
    await must(api.request('sessions.revert', { id: s.id, path: 'new.txt' }));
    expect(stillRunning(tree)).toEqual([]);
    expect(loadSession(s.paths, s.id).run).toMatchObject({ state: 'stopped', stopReason: 'stop' });
    expect(fs.existsSync(path.join(s.worktree, 'new.txt'))).toBe(false);

    const again = await must(api.request('sessions.run.start', { id: s.id }));
    await waitFor('the app to listen again', () => portOpen(again.port));
    await must(api.request('sessions.merge', { id: s.id }));
    expect(treePids(again.pgid)).toEqual([]);
    // In the log, the app ended before the merge was made.
    const types = logText(s)
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types.lastIndexOf('run.stopped')).toBeLessThan(types.lastIndexOf('merge'));
    expect(loadSession(s.paths, s.id).run).toMatchObject({ state: 'stopped', stopReason: 'merged' });
  }, 120_000);
});

describe('while the session’s loop runs', () => {
  it('its app is not started, and Viewed marks are not appended beside the live log', async () => {
    const home = path.join(makeTempDir('mlxf-run-races-'), 'home');
    const repo = makeRepo({ files: { 'app.py': BASE } });
    // The loop runs in this very process (the host's own pid): running, as far as the log says.
    const s = await createSessionFixture({ repo, home, pid: process.pid });
    await addStep(s, { files: { 'app.py': HEAD } });
    const { api } = startHost(home);
    expect(await api.request('sessions.run.start', { id: s.id })).toMatchObject({ ok: false, error: { code: 'SESSION_RUNNING' } });
    const before = logText(s);
    expect(await refusal(() => markViewed(s.paths, s.id, 'app.py', true))).toMatchObject({ code: 'SESSION_RUNNING' });
    expect(await api.request('sessions.markViewed', { id: s.id, path: 'app.py', viewed: true })).toMatchObject({
      ok: false,
      error: { code: 'SESSION_RUNNING' },
    });
    expect(logText(s)).toBe(before);
  });
});

describe('a session whose loop this host runs', () => {
  it('does not run its app meanwhile; a reply afterwards stops the app before the loop writes', async () => {
    const home = path.join(makeTempDir('mlxf-run-races-'), 'home');
    const repo = makeRepo({ files: { 'index.html': 'x\n' } });
    const { host, api } = startHost(home, {
      server: new StubServerControl(model.url),
      chatModelFor: ({ llmTimeoutMs }) => new OpenAiChatModel({ baseUrl: model.url, timeoutMs: llmTimeoutMs }),
    });
    // The Coder's first turn never answers: the loop runs until it is cancelled.
    await model.setScript({
      coder: [{ content: 'main.py\n```python\nprint(1)\n```\n', fault: 'hang' }],
      sheriff: [{ content: 'VERDICT: PASS' }],
    });
    const { id } = await host.sessions.start({ description: 'Print 42', repo, check: 'python3 main.py' });
    expect(host.sessions.runsHere(id)).toBe(true);
    expect(await api.request('sessions.run.start', { id })).toMatchObject({ ok: false, error: { code: 'SESSION_RUNNING' } });
    expect(await api.request('sessions.markViewed', { id, path: 'main.py', viewed: true })).toMatchObject({
      ok: false,
      error: { code: 'SESSION_RUNNING' },
    });
    expect(loadSession(host.paths, id).run).toBeNull();
    host.sessions.cancel(id);
    await host.sessions.settled(id);

    await model.setScript({ coder: [{ content: 'main.py\n```python\nprint(42)\n```\n' }], sheriff: [{ content: 'VERDICT: PASS' }] });
    const started = await must(api.request('sessions.run.start', { id }));
    await waitFor('the app to listen', () => portOpen(started.port));
    const tree = treePids(started.pgid);
    await must(api.request('sessions.reply', { id, message: 'Print 42.' }));
    expect(stillRunning(tree)).toEqual([]);
    await host.sessions.settled(id);
    const record = loadSession(host.paths, id);
    expect(record.run).toMatchObject({ state: 'stopped', stopReason: 'stop' });
    const types = fs
      .readFileSync(path.join(host.paths.sessions, id, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types.lastIndexOf('run.stopped')).toBeLessThan(types.lastIndexOf('series.started'));
  }, 120_000);
});

describe('two reverts at once', () => {
  it('are made one after the other: two steps, two commits, no seq twice', async () => {
    const home = path.join(makeTempDir('mlxf-run-races-'), 'home');
    const s = await session(home);
    const { api } = startHost(home);
    const [a, b, c] = await Promise.all([
      api.request('sessions.revert', { id: s.id, path: 'new.txt' }),
      api.request('sessions.revert', { id: s.id, path: 'app.py' }),
      api.request('sessions.revert', { id: s.id, path: 'sub/added.txt' }),
    ]);
    const steps = [a, b, c].map((answer) => (answer.ok ? answer.data.step : answer.error.code));
    expect([...steps].sort()).toEqual([2, 3, 4]);
    const record = loadSession(s.paths, s.id);
    expect(record.currentSteps).toEqual([1, 2, 3, 4]);
    const seqs = logText(s)
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(git(s.repo, 'rev-list', '--count', `${s.workspace.baseCommit}..${s.branch}`).trim()).toBe('4');
    expect(git(s.worktree, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  }, 120_000);
});

describe('removing files in a worktree', () => {
  it('never goes through a folder that is a symbolic link (the app swapped it for one to ~)', () => {
    const root = makeTempDir('mlxf-remove-');
    const home = makeTempDir('mlxf-remove-home-');
    fs.writeFileSync(path.join(home, '.bashrc'), 'mine\n');
    fs.mkdirSync(path.join(root, 'dir.d'));
    fs.writeFileSync(path.join(root, 'dir.d', '.bashrc'), 'theirs\n');
    fs.symlinkSync(home, path.join(root, 'dir'));
    fs.mkdirSync(path.join(root, 'real'));
    fs.writeFileSync(path.join(root, 'real', 'gone.txt'), 'x\n');
    fs.writeFileSync(path.join(root, 'file'), 'x\n');

    expect(removeWorktreeFiles(root, ['dir/.bashrc', 'real/gone.txt', 'file/x', 'missing/y'])).toEqual(['dir/.bashrc', 'file/x']);
    expect(fs.readFileSync(path.join(home, '.bashrc'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(path.join(root, 'real', 'gone.txt'))).toBe(false);
  });
});
