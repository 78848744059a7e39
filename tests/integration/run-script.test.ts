import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createIpcClient } from '../../src/api/client/ipc-client.js';
import type { FactoryApi } from '../../src/api/client/factory-api.js';
import type { ApiEvent } from '../../src/api/global-events.js';
import { GLOBAL_STREAM } from '../../src/api/global-events.js';
import { trustContent, trustFileBeside } from '../../src/config/project-trust.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { registerIpcHandlers } from '../../src/host/register-ipc.js';
import { chooseRunRange, RUN_PORT_BLOCK } from '../../src/sessions/run-ports.js';
import { loadSession } from '../../src/sessions/session-store.js';
import { makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { IpcMainHarness } from '../support/ipc-harness.js';
import { stillRunning, treePids } from '../support/process-tree-pids.js';
import { jsonLines, runCli } from '../support/run-cli.js';
import { createSessionFixture, finishSession } from '../support/session-fixtures.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Run scripts (#21) through the host's typed API, with real processes: workspace.run starts in the
 * session's worktree in the sandbox with the network and PORT from the session's own range; the app
 * answers on that port from here; Stop, discard and quit end the whole tree (a background `sleep` the
 * script started included), and the log records the port and how the run ended.
 */
// A tree, not one process: a background sleeper beside the server.
const RUN = 'sleep 100000 & exec python3 -m http.server "$PORT" --bind 127.0.0.1';

const hosts: FactoryHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.shutdown();
});
afterAll(removeTempDirs);

function startHost(home: string, config: Record<string, unknown> = { workspace: { run: RUN } }) {
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, 'factory.yaml'), stringify(config));
  const host = new FactoryHost({ home, version: 'test' });
  hosts.push(host);
  const ipcMain = new IpcMainHarness();
  registerIpcHandlers(ipcMain, host, { isTrustedSender: ipcMain.isTrustedSender, native: { notifications: false } });
  const events: ApiEvent[] = [];
  const api: FactoryApi = createIpcClient(ipcMain.createRenderer().ipcRenderer, () => null);
  api.onEvent((event) => events.push(event));
  return { host, api, events };
}

async function finishedSession(repo: string, home: string) {
  const session = await createSessionFixture({ repo, home });
  finishSession(session);
  return session;
}

async function get(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  await response.arrayBuffer();
  return response.status;
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

async function must<T>(answer: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const result = await answer;
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.data;
}

describe('port ranges', () => {
  it('are stable per session, skip ranges other sessions hold, and keep a recorded one', () => {
    const a = chooseRunRange('2601010000-aaa', null, []);
    expect(a.last - a.first + 1).toBe(RUN_PORT_BLOCK);
    expect(chooseRunRange('2601010000-aaa', null, [])).toEqual(a);
    const moved = chooseRunRange('2601010000-aaa', null, [a]);
    expect(moved.first).not.toBe(a.first);
    expect(chooseRunRange('2601010000-aaa', { first: 50_000, last: 50_009 }, [a])).toEqual({ first: 50_000, last: 50_009 });
  });
});

describe('run scripts through the host', () => {
  it('run two sessions side by side on two ports of their own, each reachable; Stop ends the whole tree', async () => {
    const repo = makeRepo({ files: { 'index.html': '<h1>hello</h1>\n' } });
    const home = makeTempDir('mlxf-run-home-');
    const { api, events } = startHost(home);
    await api.subscribe(GLOBAL_STREAM);
    const one = await finishedSession(repo, home);
    const two = await finishedSession(repo, home);

    const first = await must(api.request('sessions.run.start', { id: one.id }));
    const second = await must(api.request('sessions.run.start', { id: two.id }));
    expect(first.port).not.toBe(second.port);
    expect(first.range).not.toEqual(second.range);
    expect(first.port).toBeGreaterThanOrEqual(first.range.first);
    expect(first.port).toBeLessThanOrEqual(first.range.last);
    expect(first.url).toBe(`http://127.0.0.1:${first.port}`);
    // The server binds once it has started: wait for the port, then fetch from here.
    await waitFor('the first app to listen', () => portOpen(first.port));
    await waitFor('the second app to listen', () => portOpen(second.port));
    expect(await get(first.port)).toBe(200);
    expect(await get(second.port)).toBe(200);

    // The port is on the session (log → projection → row), and the output reached clients live.
    const row = await must(api.request('sessions.show', { id: one.id }));
    expect(row.session.run).toMatchObject({ state: 'running', port: first.port, range: first.range, pgid: first.pgid });
    await waitFor('the request line in the run output', () =>
      events.some((e) => e.type === 'run.output' && e.id === one.id && e.chunk.includes('"GET / HTTP/1.1" 200')),
    );
    const kept = await must(api.request('sessions.run.output', { id: one.id }));
    expect(kept).toMatchObject({ running: true, pgid: first.pgid, command: RUN });
    expect(kept.text).toContain('GET / HTTP/1.1');

    const tree = treePids(first.pgid);
    // sh/bwrap, the sleeper and python at least.
    expect(tree.length).toBeGreaterThanOrEqual(2);
    const stopped = await must(api.request('sessions.run.stop', { id: one.id }));
    expect(stopped).toMatchObject({ stopped: true, treeGone: true });
    expect(stillRunning(tree)).toEqual([]);
    expect(treePids(first.pgid)).toEqual([]);
    expect(await portOpen(first.port)).toBe(false);
    expect(loadSession(one.paths, one.id).run).toMatchObject({ state: 'stopped', stopReason: 'stop', port: first.port });
    // The other session's app is untouched.
    expect(await get(second.port)).toBe(200);

    // Run again: the same range; a port someone else holds is skipped.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen({ host: '127.0.0.1', port: first.range.first }, resolve));
    try {
      const again = await must(api.request('sessions.run.start', { id: one.id }));
      expect(again.range).toEqual(first.range);
      expect(again.port).not.toBe(first.range.first);
      await waitFor('the app to listen again', () => portOpen(again.port));
      expect(await get(again.port)).toBe(200);
    } finally {
      squatter.close();
    }
  }, 120_000);

  it('stops the run when the session is discarded, and on quit', async () => {
    const repo = makeRepo({ files: { 'index.html': 'x\n' } });
    const home = makeTempDir('mlxf-run-home-');
    const { host, api } = startHost(home);
    const gone = await finishedSession(repo, home);
    const kept = await finishedSession(repo, home);
    const a = await must(api.request('sessions.run.start', { id: gone.id }));
    const b = await must(api.request('sessions.run.start', { id: kept.id }));
    await waitFor('both apps to listen', async () => (await portOpen(a.port)) && (await portOpen(b.port)));
    const treeA = treePids(a.pgid);
    const treeB = treePids(b.pgid);

    await must(api.request('sessions.discard', { id: gone.id }));
    expect(stillRunning(treeA)).toEqual([]);
    expect(loadSession(gone.paths, gone.id).run).toMatchObject({ state: 'stopped', stopReason: 'discarded' });
    expect(stillRunning(treeB).length).toBeGreaterThan(0);

    await host.shutdown();
    expect(stillRunning(treeB)).toEqual([]);
    expect(loadSession(kept.paths, kept.id).run).toMatchObject({ state: 'stopped', stopReason: 'quit' });
  }, 120_000);

  it("ignores an untrusted project's workspace.run, and takes it once trusted", async () => {
    const projectFile = `workspace:\n  run: ${JSON.stringify(RUN)}\n`;
    const repo = makeRepo({ files: { 'factory.yaml': projectFile } });
    const home = makeTempDir('mlxf-run-home-');
    const { api } = startHost(home, {});
    const session = await finishedSession(repo, home);
    const refused = await api.request('sessions.run.start', { id: session.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'RUN_NOT_CONFIGURED', message: expect.stringContaining('not trusted') } });
    expect(loadSession(session.paths, session.id).run).toBeNull();

    trustContent(trustFileBeside(path.join(home, 'factory.yaml')), path.join(repo, 'factory.yaml'), projectFile);
    const started = await must(api.request('sessions.run.start', { id: session.id }));
    await waitFor('the app to listen', () => portOpen(started.port));
    expect(await must(api.request('sessions.run.stop', { id: session.id }))).toMatchObject({ stopped: true, treeGone: true });
  }, 120_000);
});

describe('a session another process runs', () => {
  it('is not run here: that process holds its log', async () => {
    const repo = makeRepo({ files: { 'index.html': 'x\n' } });
    const home = makeTempDir('mlxf-run-home-');
    const { api } = startHost(home);
    // Its loop runs in a live process that is not this host (the test runner's parent stands in for a terminal's run).
    const session = await createSessionFixture({ repo, home, pid: process.ppid });
    expect(await api.request('sessions.run.start', { id: session.id })).toMatchObject({
      ok: false,
      error: { code: 'SESSION_RUNNING', message: expect.stringContaining(`pid ${process.ppid}`) },
    });
    expect(loadSession(session.paths, session.id).run).toBeNull();
  });
});

describe('the run script of one repository (Settings)', () => {
  it('needs the confirmation of its value, wins over workspace.run, and can be removed', async () => {
    const repo = makeRepo({ files: { 'index.html': 'x\n' } });
    const home = makeTempDir('mlxf-run-home-');
    const { host, api } = startHost(home, { workspace: { run: 'echo from-config' } });
    const session = await finishedSession(repo, home);
    const own = 'exec python3 -m http.server "$PORT" --bind 127.0.0.1';
    expect(await api.request('repo.setRunCommand', { repo, command: own })).toMatchObject({
      ok: false,
      error: { code: 'CONFIRMATION_REQUIRED' },
    });
    expect(await must(api.request('sessions.run.output', { id: session.id }))).toMatchObject({
      command: 'echo from-config',
      source: 'config',
    });
    // What the desktop app's own dialog gives once the user allowed this very value.
    const confirmation = host.programSettings.issue('workspace.run', own);
    await must(api.request('repo.setRunCommand', { repo, command: own, confirmation }));
    expect(await must(api.request('sessions.run.output', { id: session.id }))).toMatchObject({ command: own, source: 'repository' });
    const started = await must(api.request('sessions.run.start', { id: session.id }));
    expect(started.command).toBe(own);
    await waitFor('the app to listen', () => portOpen(started.port));
    await must(api.request('sessions.run.stop', { id: session.id }));
    // Removing needs nothing: it can only narrow what runs.
    await must(api.request('repo.setRunCommand', { repo, command: null }));
    expect(await must(api.request('sessions.run.output', { id: session.id }))).toMatchObject({
      command: 'echo from-config',
      source: 'config',
    });
  }, 120_000);
});

describe('mlx-factory sessions run', () => {
  it('runs in the foreground with PORT set, Ctrl-C ends the whole tree, and a discard elsewhere waits for it', async () => {
    const repo = makeRepo({ files: { 'index.html': 'x\n' } });
    const home = makeTempDir('mlxf-run-home-');
    fs.writeFileSync(path.join(home, 'factory.yaml'), stringify({ workspace: { run: RUN } }));
    const session = await finishedSession(repo, home);

    let stdout = '';
    let pid = 0;
    const running = runCli(['sessions', 'run', session.id, '--json'], {
      cwd: repo,
      home,
      onSpawn: (p) => (pid = p),
      onStdout: (text) => (stdout += text),
    });
    const started = await waitFor('the run.started line', () => jsonLines(stdout).find((l) => l.type === 'run.started'));
    const port = Number(started['port']);
    await waitFor('the app to listen', () => portOpen(port));
    expect(await get(port)).toBe(200);
    // The app (any host) sees the run on the session.
    expect(loadSession(session.paths, session.id).run).toMatchObject({ state: 'running', port, pid });
    // An app's Stop cannot end a run another process owns: it says where to stop it, and the app runs on.
    const { api } = startHost(home);
    const refused = await api.request('sessions.run.stop', { id: session.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'RUN_UNAVAILABLE', message: expect.stringContaining(`pid ${pid}`) } });
    expect(await get(port)).toBe(200);
    const tree = treePids(Number(started['pgid']));
    process.kill(pid, 'SIGINT');
    const ended = await running;
    expect(ended.exitCode).toBe(0);
    expect(jsonLines(ended.stdout).at(-1)).toMatchObject({ type: 'run.stopped', reason: 'stop', treeGone: true });
    expect(stillRunning(tree)).toEqual([]);
    expect(loadSession(session.paths, session.id).run).toMatchObject({ state: 'stopped', stopReason: 'stop' });

    // The process that runs it is killed outright (no chance to stop anything): the tree goes with it,
    // and the session reads as no longer running its app.
    stdout = '';
    let killedPid = 0;
    const killed = runCli(['sessions', 'run', session.id, '--json'], {
      cwd: repo,
      home,
      onSpawn: (p) => (killedPid = p),
      onStdout: (text) => (stdout += text),
    });
    const third = await waitFor('the third run.started line', () => jsonLines(stdout).find((l) => l.type === 'run.started'));
    await waitFor('the app to listen', () => portOpen(Number(third['port'])));
    const thirdTree = treePids(Number(third['pgid']));
    process.kill(killedPid, 'SIGKILL');
    await killed;
    await waitFor('no process of the killed run', () => stillRunning(thirdTree).length === 0);
    expect(loadSession(session.paths, session.id).run).toMatchObject({ state: 'stopped', stopReason: 'gone' });

    // A discard by another process while it runs is refused (nothing of ours removes files beside the
    // app): it says where to stop it, and goes through once it is stopped.
    stdout = '';
    let secondPid = 0;
    const again = runCli(['sessions', 'run', session.id, '--json'], {
      cwd: repo,
      home,
      onSpawn: (p) => (secondPid = p),
      onStdout: (text) => (stdout += text),
    });
    const second = await waitFor('the second run.started line', () => jsonLines(stdout).find((l) => l.type === 'run.started'));
    expect(second['port']).toBe(port);
    const secondTree = treePids(Number(second['pgid']));
    const refusedDiscard = await runCli(['sessions', 'discard', session.id], { cwd: repo, home });
    expect(refusedDiscard.exitCode).not.toBe(0);
    expect(refusedDiscard.stderr).toContain(`Stop the app of session ${session.id} first`);
    expect(stillRunning(secondTree).length).toBeGreaterThan(0);
    process.kill(secondPid, 'SIGINT');
    const stopped = await again;
    expect(jsonLines(stopped.stdout).at(-1)).toMatchObject({ type: 'run.stopped', reason: 'stop', treeGone: true });
    expect(stillRunning(secondTree)).toEqual([]);
    expect((await runCli(['sessions', 'discard', session.id], { cwd: repo, home })).exitCode).toBe(0);
  }, 180_000);
});
