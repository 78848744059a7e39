import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import type { FactoryApi } from '../../src/api/client/factory-api.js';
import { GLOBAL_STREAM, type ApiEvent } from '../../src/api/global-events.js';
import { createIpcClient } from '../../src/api/client/ipc-client.js';
import { REQUEST_NAMES, requestSchemas, type ApiResponse, type RequestName, type ResponseData } from '../../src/api/requests.js';
import { protocolsFor } from '../../src/api/client/connect.js';
import { createWsClient, type WebSocketLike } from '../../src/api/client/ws-client.js';
import { WS_PATH } from '../../src/api/wire.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import type { NativeCapabilities } from '../../src/host/handle-request.js';
import { registerIpcHandlers } from '../../src/host/register-ipc.js';
import { startWebHost, type WebHost } from '../../src/host/web-host.js';
import { REQUIREMENTS_ENV } from '../../src/server/runtime/requirements-override.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { IpcMainHarness, type HarnessRenderer } from '../support/ipc-harness.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../support/scripted-server/launch.js';
import { StubServerControl } from '../support/stub-server-control.js';
import { waitFor } from '../support/wait-for.js';

/**
 * One contract suite, run against both front doors: the Electron IPC handlers (driven through an
 * ipcMain-shaped harness and the preload's own client code) and the browser host (a real HTTP +
 * WebSocket server and the browser client). Real git, real sessions against the scripted model
 * server, real check processes.
 */

interface Opened {
  /** The client in use now (IPC: a reload makes a new one). */
  api(): FactoryApi;
  /** Every event delivered to the test, across reconnects, in delivery order. */
  readonly events: ApiEvent[];
  /**
   * Drop the connection while the host keeps going, run `meanwhile`, then reconnect and re-follow
   * `streams` from the last seq delivered. Answers the subscribe results of the re-follow.
   */
  interrupt(streams: string[], meanwhile: () => Promise<void>): Promise<Array<ApiResponse<'events.subscribe'>>>;
  close(): Promise<void>;
}

interface Transport {
  readonly name: 'ipc' | 'web';
  open(host: FactoryHost, tmp: string): Promise<Opened>;
}

const nativeState = { openAtLogin: false, dashboards: [] as Array<string | undefined>, picked: '', quits: 0 };
const fakeNative: NativeCapabilities = {
  notifications: true,
  pickFolder: async () => nativeState.picked,
  getLoginItem: () => ({ openAtLogin: nativeState.openAtLogin }),
  setLoginItem: (value) => ({ openAtLogin: (nativeState.openAtLogin = value) }),
  openDashboard: (session) => void nativeState.dashboards.push(session),
  quit: () => void (nativeState.quits += 1),
  confirmProgramSetting: () => Promise.resolve(true),
};

function lastSeqs(events: readonly ApiEvent[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const event of events) last.set(event.session, Math.max(last.get(event.session) ?? 0, event.seq));
  return last;
}

const ipcTransport: Transport = {
  name: 'ipc',
  async open(host) {
    const ipcMain = new IpcMainHarness();
    const unregister = registerIpcHandlers(ipcMain, host, { isTrustedSender: ipcMain.isTrustedSender, native: fakeNative });
    const events: ApiEvent[] = [];
    let renderer: HarnessRenderer = ipcMain.createRenderer();
    const connect = (r: HarnessRenderer): FactoryApi => {
      const api = createIpcClient(r.ipcRenderer, () => '/dropped/folder');
      api.onEvent((event) => events.push(event));
      return api;
    };
    let api = connect(renderer);
    return {
      api: () => api,
      events,
      async interrupt(streams, meanwhile) {
        // The renderer reloads: its process and client are gone; the new page asks for what it missed.
        const cursors = lastSeqs(events);
        renderer.destroy();
        await meanwhile();
        renderer = ipcMain.createRenderer();
        api = connect(renderer);
        return Promise.all(streams.map((stream) => api.subscribe(stream, cursors.get(stream) ?? 0)));
      },
      async close() {
        renderer.destroy();
        unregister();
      },
    };
  },
};

const webTransport: Transport = {
  name: 'web',
  async open(host, tmp) {
    const rendererDir = path.join(tmp, 'renderer');
    fs.mkdirSync(rendererDir, { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>MLX Factory</title>');
    const web: WebHost = await startWebHost({ host, rendererDir });
    const origin = `http://127.0.0.1:${web.port}`;
    const sockets: NodeWebSocket[] = [];
    const subscribeAnswers: Array<ApiResponse<'events.subscribe'>> = [];
    const client = createWsClient({
      url: `ws://127.0.0.1:${web.port}${WS_PATH}`,
      protocols: () => protocolsFor({ kind: 'token', value: web.token }),
      minBackoffMs: 150,
      createSocket: (url, protocols) => {
        const socket = new NodeWebSocket(url, [...protocols], { origin });
        sockets.push(socket);
        // Watch the answers to re-subscriptions the client sends by itself after a reconnect.
        socket.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString('utf8')) as {
            type: string;
            response?: { ok: boolean; data?: { stream?: unknown; replayed?: unknown } };
          };
          if (frame.type === 'response' && frame.response?.ok === true && typeof frame.response.data?.replayed === 'number') {
            subscribeAnswers.push(frame.response as ApiResponse<'events.subscribe'>);
          }
        });
        return socket as unknown as WebSocketLike;
      },
    });
    const events: ApiEvent[] = [];
    client.onEvent((event) => events.push(event));
    await waitFor('the socket to open', () => client.connectionState === 'open');
    return {
      api: () => client,
      events,
      async interrupt(streams, meanwhile) {
        const before = subscribeAnswers.length;
        // A network drop: no close handshake. The client must notice, reconnect and re-follow.
        sockets.at(-1)?.terminate();
        await waitFor('the client to notice the drop', () => client.connectionState === 'reconnecting');
        await meanwhile();
        await waitFor(
          'the client to reconnect and re-follow',
          () => client.connectionState === 'open' && subscribeAnswers.length >= before + streams.length,
        );
        return subscribeAnswers.slice(before);
      },
      async close() {
        client.close();
        await web.close();
      },
    };
  },
};

function expectOk<K extends RequestName>(name: K, response: ApiResponse<K>): ResponseData<K> {
  if (!response.ok) throw new Error(`${name} failed: ${response.error.code}: ${response.error.message}`);
  // The data must match the contract's schema exactly as it arrived over the transport.
  return requestSchemas[name].data.parse(response.data) as ResponseData<K>;
}

function expectError(response: ApiResponse<RequestName>, code: string): string {
  expect(response.ok).toBe(false);
  if (response.ok) return '';
  expect(response.error.code).toBe(code);
  expect(response.error.message.length).toBeGreaterThan(0);
  return response.error.message;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'U',
      GIT_AUTHOR_EMAIL: 'u@example.com',
      GIT_COMMITTER_NAME: 'U',
      GIT_COMMITTER_EMAIL: 'u@example.com',
    },
  });
}

const code = (body: string, file = 'main.py'): string => `${file}\n\`\`\`python\n${body}\n\`\`\`\n`;
const PASS = { content: 'The output is right.\nVERDICT: PASS' };

let model: ScriptedServer;
beforeAll(async () => {
  model = await startScriptedServer();
});
afterAll(async () => {
  await model.stop();
});

/** Requests this suite exercises; a test at the end checks that it is every request of the contract. */
const covered = new Set<RequestName>();
function track<K extends RequestName>(name: K): K {
  covered.add(name);
  return name;
}

describe.each([ipcTransport, webTransport])('typed API over $name', (transport) => {
  let tmp: string;
  let repo: string;
  let host: FactoryHost;
  let stub: StubServerControl;
  let opened: Opened;
  const api = (): FactoryApi => opened.api();
  const request = <K extends RequestName>(name: K, params: Parameters<FactoryApi['request']>[1] & object): Promise<ApiResponse<K>> =>
    api().request(track(name), params as never) as Promise<ApiResponse<K>>;

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `mlxf api ${transport.name} é `));
    repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'README.md'), '# demo\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'init');
    stub = new StubServerControl(model.url);
    host = new FactoryHost({
      home: path.join(tmp, 'home'),
      version: '9.9.9-test',
      server: stub,
      chatModelFor: ({ llmTimeoutMs }) => new OpenAiChatModel({ baseUrl: model.url, timeoutMs: llmTimeoutMs }),
    });
    opened = await transport.open(host, tmp);
  });

  afterEach(async () => {
    await opened.close();
    await host.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function startSession(script: Script, description = 'Print hello'): Promise<ResponseData<'sessions.start'>> {
    await model.setScript(script);
    return expectOk('sessions.start', await request('sessions.start', { description, repo, check: 'python3 main.py' }));
  }

  function eventsOf(session: string): ApiEvent[] {
    return opened.events.filter((event) => event.session === session);
  }

  async function finished(session: string): Promise<ApiEvent[]> {
    await waitFor(`session ${session} to finish`, () => eventsOf(session).some((event) => event.type === 'session.finished'));
    await host.sessions.settled(session);
    return eventsOf(session);
  }

  it('app.info names the transport, the epoch and what this front door can do natively', async () => {
    const info = expectOk('app.info', await request('app.info', {}));
    expect(info).toMatchObject({
      name: 'MLX Factory',
      version: '9.9.9-test',
      transport: transport.name,
      epoch: host.epoch,
      home: path.join(tmp, 'home'),
    });
    expect(info.capabilities.pickFolder).toBe(transport.name === 'ipc');
    expect(info.capabilities.loginItem).toBe(transport.name === 'ipc');
    expect(api().transport).toBe(transport.name);
  });

  it('native-only requests work over IPC and answer UNSUPPORTED in a browser', async () => {
    nativeState.picked = repo;
    const calls = [
      await request('dialog.pickFolder', { title: 'Pick' }),
      await request('app.setLoginItem', { openAtLogin: true }),
      await request('app.getLoginItem', {}),
      await request('app.openDashboard', { session: 'abc' }),
      await request('app.quit', {}),
      await request('config.confirm', { key: 'workspace.editor', value: ['true'] }),
    ] as const;
    if (transport.name === 'ipc') {
      expect(expectOk('dialog.pickFolder', calls[0])).toEqual({ path: repo });
      expect(expectOk('app.setLoginItem', calls[1])).toEqual({ openAtLogin: true });
      expect(expectOk('app.getLoginItem', calls[2])).toEqual({ openAtLogin: true });
      expectOk('app.openDashboard', calls[3]);
      expect(nativeState.dashboards.at(-1)).toBe('abc');
      expectOk('app.quit', calls[4]);
      expect(nativeState.quits).toBe(1);
      const { token } = expectOk('config.confirm', calls[5]);
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(api().pathForFile({} as File)).toBe('/dropped/folder');
    } else {
      for (const call of calls) expect(expectError(call, 'UNSUPPORTED')).toMatch(/desktop app/);
      expect(api().pathForFile({} as File)).toBeNull();
    }
    nativeState.openAtLogin = false;
  });

  it('refuses bad requests with a typed BAD_REQUEST naming the field, and keeps serving', async () => {
    const empty = expectError(await request('sessions.start', { description: '   ' }), 'BAD_REQUEST');
    expect(empty).toMatch(/description/);
    expectError(await request('sessions.start', { description: 'x', repo, maxAttempts: -1 } as never), 'BAD_REQUEST');
    expectError(await request('sessions.show', { id: '../../etc' }), 'BAD_REQUEST');
    expectError(await request('sessions.show', { id: 'abc', extra: 1 } as never), 'BAD_REQUEST');
    expectError(await request('config.write', { patch: { nope: {} } } as never), 'BAD_REQUEST');
    expectError(
      await (api().request as (name: string, params: unknown) => Promise<ApiResponse<RequestName>>)('no.such.request', {}),
      'BAD_REQUEST',
    );
    expectError(
      await (api().request as (name: string, params: unknown) => Promise<ApiResponse<RequestName>>)('app.info', 'not an object'),
      'BAD_REQUEST',
    );
    // A well-formed request for something that does not exist is the core's own error code.
    expectError(await request('sessions.show', { id: '2501011200-abcdef' }), 'SESSION_NOT_FOUND');
    expectError(await request('events.subscribe', { stream: '2501011200-abcdef' }), 'SESSION_NOT_FOUND');
    expect(expectOk('app.info', await request('app.info', {})).version).toBe('9.9.9-test');
  });

  it('fs.listFolders lists subfolders host-side: links neither listed nor followed, hidden ones only when asked, repositories marked', async () => {
    const root = path.join(tmp, 'browse');
    fs.mkdirSync(path.join(root, 'b-project', '.git'), { recursive: true });
    fs.mkdirSync(path.join(root, 'a plain'), { recursive: true });
    fs.mkdirSync(path.join(root, '.hidden'), { recursive: true });
    fs.writeFileSync(path.join(root, 'file.txt'), 'x');
    fs.symlinkSync(os.tmpdir(), path.join(root, 'link-out'));
    const listing = expectOk('fs.listFolders', await request('fs.listFolders', { path: root }));
    expect(listing).toMatchObject({ path: root, parent: path.dirname(root), omitted: 0 });
    expect(listing.folders).toEqual([
      { name: 'a plain', path: path.join(root, 'a plain'), repo: false },
      { name: 'b-project', path: path.join(root, 'b-project'), repo: true },
    ]);
    const all = expectOk('fs.listFolders', await request('fs.listFolders', { path: root, showHidden: true }));
    expect(all.folders.map((f) => f.name)).toEqual(['.hidden', 'a plain', 'b-project']);
    expectError(await request('fs.listFolders', { path: path.join(root, 'link-out') }), 'PATH_REFUSED');
    expectError(await request('fs.listFolders', { path: path.join(root, 'file.txt') }), 'REPO_IS_FILE');
    expectError(await request('fs.listFolders', { path: path.join(root, 'missing') }), 'REPO_NOT_FOUND');
    expect(expectOk('fs.listFolders', await request('fs.listFolders', {})).path).toBe(os.homedir());
  });

  it('repo.status tells a repository, a file, a missing path and a plain folder apart; repo.init makes one', async () => {
    fs.writeFileSync(path.join(repo, 'dirty.txt'), 'not committed\n');
    const status = expectOk('repo.status', await request('repo.status', { path: repo }));
    expect(status).toMatchObject({ kind: 'repo', root: fs.realpathSync(repo), branch: 'main', uncommitted: ['dirty.txt'] });
    expect(status.message).toMatch(/uncommitted/);
    expect(expectOk('repo.status', await request('repo.status', { path: path.join(repo, 'README.md') }))).toMatchObject({ kind: 'file' });
    expect(expectOk('repo.status', await request('repo.status', { path: path.join(tmp, 'missing') }))).toMatchObject({ kind: 'missing' });
    const plain = path.join(tmp, 'plain folder');
    fs.mkdirSync(plain);
    fs.writeFileSync(path.join(plain, 'notes.txt'), 'hi\n');
    const notRepo = expectOk('repo.status', await request('repo.status', { path: plain }));
    expect(notRepo.kind).toBe('not-repo');
    expect(notRepo.message).toMatch(/Start a new repository there, or pick another folder/);
    const made = expectOk('repo.init', await request('repo.init', { path: plain }));
    expect(made).toMatchObject({ kind: 'repo', branch: 'main', uncommitted: [] });
    expect(git(plain, 'ls-files').trim()).toBe('notes.txt');
    expectError(await request('repo.init', { path: plain }), 'BAD_USAGE'); // already has commits: left alone
  });

  it('repo.status names what an untrusted project factory.yaml has ignored; project.trust accepts its current content', async () => {
    const project = path.join(tmp, 'with-config');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'factory.yaml'), 'workspace:\n  setup: make deps\nagent:\n  max_attempts: 1\n');
    git(project, 'init', '-q', '-b', 'main');
    git(project, 'add', '-A');
    git(project, 'commit', '-qm', 'initial');
    const before = expectOk('repo.status', await request('repo.status', { path: project }));
    expect(before.untrustedConfig).toEqual({ file: path.join(fs.realpathSync(project), 'factory.yaml'), ignored: ['workspace.setup'] });
    const after = expectOk('project.trust', await request('project.trust', { path: project }));
    expect(after.untrustedConfig ?? null).toBeNull();
    expectError(await request('project.trust', { path: '' }), 'BAD_REQUEST');
  });

  it('repo.environment says how checks get the dependencies; repo.setEnvironment remembers the pick with the trust record', async () => {
    const project = path.join(tmp, 'node-project');
    fs.mkdirSync(path.join(project, 'node_modules', 'left-pad'), { recursive: true });
    fs.writeFileSync(path.join(project, '.gitignore'), 'node_modules/\n');
    fs.writeFileSync(path.join(project, 'package.json'), '{"name":"demo","version":"1.0.0"}\n');
    fs.writeFileSync(path.join(project, 'package-lock.json'), '{"name":"demo","lockfileVersion":3,"packages":{}}\n');
    git(project, 'init', '-q', '-b', 'main');
    git(project, 'add', '-A');
    git(project, 'commit', '-qm', 'initial');
    const found = expectOk('repo.environment', await request('repo.environment', { path: project }));
    expect(found).toMatchObject({
      ecosystem: 'npm',
      mode: 'mine',
      remembered: null,
      line: 'Environment: node_modules from your checkout (read-only)',
    });
    expect(found.choices.map((c) => [c.mode, c.available])).toEqual([
      ['mine', true],
      ['install', true],
      ['none', true],
    ]);
    const picked = expectOk('repo.setEnvironment', await request('repo.setEnvironment', { path: project, mode: 'install' }));
    expect(picked).toMatchObject({
      mode: 'install',
      remembered: 'install',
      line: 'Environment: install with `npm ci --no-audit --no-fund`',
    });
    const trustFile = JSON.parse(fs.readFileSync(path.join(tmp, 'home', 'trusted-projects.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(trustFile.dependencies[fs.realpathSync(project)]).toBe('install');
    expectError(await request('repo.setEnvironment', { path: project, mode: 'copy' as never }), 'BAD_REQUEST');
    expectError(await request('repo.environment', { path: path.join(tmp, 'missing') }), 'REPO_NOT_FOUND');
  });

  it('config.read and config.write round-trip the user file; an invalid patch is refused whole', async () => {
    const before = expectOk('config.read', await request('config.read', {}));
    expect(before.config.agent.max_attempts).toBe(5);
    const written = expectOk(
      'config.write',
      await request('config.write', { patch: { agent: { max_attempts: 3 }, server: { port: 8123 } } }),
    );
    expect(written.config.agent.max_attempts).toBe(3);
    expect(written.sources).toEqual([written.userConfigFile]);
    const text = fs.readFileSync(written.userConfigFile, 'utf8');
    fs.writeFileSync(written.userConfigFile, `# my settings\n${text}`);
    const invalid = expectError(await request('config.write', { patch: { agent: { max_attempts: 'many' } } }), 'CONFIG_INVALID');
    expect(invalid).toMatch(/agent\.max_attempts/);
    expect(fs.readFileSync(written.userConfigFile, 'utf8')).toBe(`# my settings\n${text}`);
    const removed = expectOk('config.write', await request('config.write', { patch: { server: { port: null } } }));
    expect(removed.config.server.port).toBe(8080);
    expect(fs.readFileSync(written.userConfigFile, 'utf8'), written.userConfigFile + ' / ' + removed.userConfigFile).toMatch(
      /^# my settings/,
    );
    fs.writeFileSync(path.join(repo, 'factory.yaml'), 'agent:\n  max_attempts: 2\n');
    expect(expectOk('config.read', await request('config.read', { repo })).config.agent.max_attempts).toBe(2);
  });

  it('model downloads: a bad repo id is BAD_REQUEST; every host has them (nothing to cancel, nothing to remove here)', async () => {
    const bad = await request('models.pull', { model: '../etc' });
    expect(bad.ok === false && bad.error.code).toBe('BAD_REQUEST');
    const absent = 'mlx-community/no-such-model-in-any-cache';
    expect(expectOk('models.cancelPull', await request('models.cancelPull', { model: absent }))).toEqual({ cancelled: false });
    expectError(await request('models.remove', { model: absent }), 'MODEL_NOT_FOUND');
    // "Which model for this repo?": a folder that is no repository is refused before anything runs.
    expectError(await request('models.evalHistory', { repo: path.join(os.tmpdir(), 'mlxf-no-such-repo'), count: 2 }), 'REPO_NOT_FOUND');
  });

  it('the MLX runtime: its status, an install refused before anything is made, nothing to cancel', async () => {
    expectOk('events.subscribe', await api().subscribe(GLOBAL_STREAM));
    const before = expectOk('runtime.status', await request('runtime.status', {}));
    expect(['ready', 'missing']).toContain(before.state);
    expect(before.install).toBeNull();
    expect(expectOk('runtime.cancelInstall', await request('runtime.cancelInstall', {}))).toEqual({ cancelled: false });
    // A pip option in the override would steer pip elsewhere: refused, and the refusal arrives as the install's end.
    process.env[REQUIREMENTS_ENV] = '--index-url=http://evil.example/simple';
    try {
      expect(expectOk('runtime.install', await request('runtime.install', {}))).toEqual({ started: true });
      await waitFor('the refused install', () => opened.events.some((e) => e.type === 'runtime.install' && e.phase === 'failed'));
    } finally {
      delete process.env[REQUIREMENTS_ENV];
    }
    const failed = opened.events.find((e) => e.type === 'runtime.install' && e.phase === 'failed');
    expect(failed?.type === 'runtime.install' && failed.message).toContain(
      '"--index-url=http://evil.example/simple" must be a requirement',
    );
    expect(fs.existsSync(path.join(host.paths.home, 'venv'))).toBe(false);
    expect(expectOk('runtime.status', await request('runtime.status', {})).install?.phase).toBe('failed');
  });

  it('server, models and memory requests reach the supervisor; its events arrive on the global stream', async () => {
    const followed = expectOk('events.subscribe', await api().subscribe(GLOBAL_STREAM));
    track('events.subscribe');
    expect(followed).toMatchObject({ stream: GLOBAL_STREAM, epoch: host.epoch, gap: false });
    expect(expectOk('server.status', await request('server.status', {})).state).toBe('stopped');
    const started = expectOk('server.start', await request('server.start', { model: 'tiny' }));
    expect(started).toMatchObject({ state: 'ready', url: model.url, model: 'tiny' });
    stub.sample(123_456);
    stub.sample(234_567);
    expect(expectOk('server.logs', await request('server.logs', { tail: 5 })).lines).toEqual(['loading model']);
    expect(expectOk('models.list', await request('models.list', {}))).toMatchObject({ current: 'tiny', models: [{ id: 'tiny' }] });
    const history = expectOk('memory.history', await request('memory.history', {}));
    expect(history.samples.map((s) => s.server?.bytes)).toEqual([123_456, 234_567]);
    expect(
      expectOk('memory.history', await request('memory.history', { since: history.samples[0]?.time ?? '' })).samples.length,
    ).toBeLessThanOrEqual(1);
    expect(expectOk('server.stop', await request('server.stop', {})).state).toBe('stopped');
    await waitFor('the stopped state event', () => opened.events.some((e) => e.type === 'server.state' && e.state === 'stopped'));
    const global = opened.events.filter((e) => e.session === GLOBAL_STREAM);
    expect(global.map((e) => e.type)).toEqual([
      'server.state',
      'server.log',
      'server.state',
      'memory.sample',
      'memory.sample',
      'server.state',
    ]);
    expect(global.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expectOk('events.unsubscribe', await api().unsubscribe(GLOBAL_STREAM));
    track('events.unsubscribe');
    stub.sample(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(opened.events.filter((e) => e.session === GLOBAL_STREAM)).toHaveLength(6);
    expect(expectOk('doctor.run', await request('doctor.run', {})).checks.map((c) => c.id)).toContain('port');
  });

  it('starts a session and streams it; list, show, diff and filePair describe the result', async () => {
    await api().subscribe(GLOBAL_STREAM);
    const info = await startSession({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] });
    expect(info).toMatchObject({
      state: 'running',
      live: true,
      repo: fs.realpathSync(repo),
      baseCommit: git(repo, 'rev-parse', 'HEAD').trim(),
    });
    const sub = expectOk('events.subscribe', await api().subscribe(info.id, 0));
    expect(sub.stream).toBe(info.id);
    const events = await finished(info.id);
    const types = events.map((e) => e.type);
    for (const t of [
      'session.created',
      'attempt.started',
      'turn.started',
      'token.delta',
      'turn.finished',
      'commit',
      'exec.finished',
      'verdict',
      'session.finished',
    ]) {
      expect(types).toContain(t);
    }
    // Every event of the log, once, in order.
    const log = readSessionLog(sessionFiles(host.paths.sessions, info.id).log).events;
    expect(events.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'session.finished', status: 'passed' });
    // The list row followed the session on the global stream, ending passed.
    await waitFor('the passed list row', () =>
      opened.events.some((e) => e.type === 'session.updated' && e.info.id === info.id && e.info.state === 'passed'),
    );

    const list = expectOk('sessions.list', await request('sessions.list', {}));
    expect(list.sessions).toHaveLength(1);
    expect(list.sessions[0]).toMatchObject({ id: info.id, state: 'passed', live: false, attempts: 1 });
    const detail = expectOk('sessions.show', await request('sessions.show', { id: info.id }));
    expect(detail.task?.description).toBe('Print hello');
    expect(detail.commits).toHaveLength(1);
    expect(detail.commits[0]?.files).toEqual(['main.py']);
    expect(detail.lastVerdict).toMatchObject({ verdict: 'PASS', passed: true });
    expect(detail.lastSeq).toBe(log.length);

    const diff = expectOk('sessions.diff', await request('sessions.diff', { id: info.id }));
    expect(diff).toMatchObject({ base: info.baseCommit, head: detail.commits[0]?.sha });
    expect(diff.files).toEqual([
      {
        path: 'main.py',
        oldPath: null,
        status: 'added',
        additions: 1,
        deletions: 0,
        binary: false,
        blob: expect.stringMatching(/^[0-9a-f]{40}$/),
      },
    ]);
    const oneCommit = expectOk('sessions.diff', await request('sessions.diff', { id: info.id, commit: detail.commits[0]?.sha ?? '' }));
    expect(oneCommit.files.map((f) => f.path)).toEqual(['main.py']);
    const pair = expectOk('sessions.filePair', await request('sessions.filePair', { id: info.id, path: 'main.py' }));
    expect(pair.left).toMatchObject({ exists: false, text: null });
    expect(pair.right).toMatchObject({ exists: true, binary: false, text: "print('hello')\n" });
    const readme = expectOk('sessions.filePair', await request('sessions.filePair', { id: info.id, path: 'README.md' }));
    expect(readme.left.text).toBe('# demo\n');
    expect(readme.right.text).toBe('# demo\n');
    expectError(await request('sessions.diff', { id: info.id, commit: 'deadbeef' }), 'BAD_USAGE');
    // Per-file review (#21): a Viewed mark tied to the file's blob; a revert is a new step; a path out of the worktree is refused.
    const marks = expectOk('sessions.markViewed', await request('sessions.markViewed', { id: info.id, path: 'main.py', viewed: true }));
    expect(marks.viewed).toEqual({ 'main.py': diff.files[0]?.blob });
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).viewed).toEqual(marks.viewed);
    expectError(await request('sessions.revert', { id: info.id, path: '../outside.py', hunk: null }), 'PATH_OUTSIDE_WORKTREE');
    const reverted = expectOk('sessions.revert', await request('sessions.revert', { id: info.id, path: 'main.py', hunk: null }));
    expect(reverted).toMatchObject({ step: 2, label: 'Reverted main.py', files: ['main.py'] });
    expect(expectOk('sessions.diff', await request('sessions.diff', { id: info.id })).files).toEqual([]);
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).commits.map((c) => c.label)).toEqual([
      null,
      'Reverted main.py',
    ]);
    // Nothing touched the user's checkout.
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('starts a session in a fresh repository when no repo is given', async () => {
    await model.setScript({ coder: [{ content: code("print('hi')") }], sheriff: [PASS] });
    const info = expectOk('sessions.start', await request('sessions.start', { description: 'Say hi', repo: null }));
    expect(info.repo.startsWith(host.paths.scratchRepos)).toBe(true);
    await api().subscribe(info.id);
    const events = await finished(info.id);
    expect(events.at(-1)).toMatchObject({ type: 'session.finished', status: 'passed' });
  });

  it('sessions.cancel stops a running session; it ends cancelled and can no longer be cancelled', async () => {
    const info = await startSession({ coder: [{ content: code("print('slow')"), fault: 'hang' }], sheriff: [PASS] });
    await api().subscribe(info.id);
    await waitFor('the Coder turn to start', () => eventsOf(info.id).some((e) => e.type === 'turn.started'));
    expect(expectOk('sessions.cancel', await request('sessions.cancel', { id: info.id }))).toEqual({ cancelled: true });
    const events = await finished(info.id);
    expect(events.at(-1)).toMatchObject({ type: 'session.finished', status: 'cancelled' });
    expect(expectOk('sessions.cancel', await request('sessions.cancel', { id: info.id }))).toEqual({ cancelled: false });
    expectError(await request('sessions.cancel', { id: '2501011200-abcdef' }), 'SESSION_NOT_FOUND');
  });

  it('a merge preview stays true when the world moves: a commit on main or in the worktree is told (session.refsMoved), and the preview asked again sees it', async () => {
    await api().subscribe(GLOBAL_STREAM);
    const info = await startSession({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] });
    await api().subscribe(info.id);
    await finished(info.id);
    const mainAt = (): string => git(repo, 'rev-parse', 'main').trim();
    const first = expectOk('sessions.mergePreview', await request('sessions.mergePreview', { id: info.id }));
    expect(first).toMatchObject({
      canMerge: true,
      conflicts: [],
      baseHead: mainAt(),
      sessionHead: git(repo, 'rev-parse', info.branch).trim(),
    });
    const movedEvents = () => opened.events.filter((e) => e.type === 'session.refsMoved' && e.id === info.id);

    // The user commits on main, in their own checkout, a change that now conflicts.
    fs.writeFileSync(path.join(repo, 'main.py'), "print('mine')\n");
    git(repo, 'add', 'main.py');
    git(repo, 'commit', '-qm', 'main moves');
    await waitFor('session.refsMoved for main', () => movedEvents().some((e) => e.type === 'session.refsMoved' && e.baseHead === mainAt()));
    expect(movedEvents().at(-1)).toMatchObject({ baseBranch: 'main', baseHead: mainAt(), sessionHead: first.sessionHead });
    const second = expectOk('sessions.mergePreview', await request('sessions.mergePreview', { id: info.id }));
    expect(second).toMatchObject({ canMerge: false, conflicts: ['main.py'], baseHead: mainAt() });
    // The conflict view: the file with both sides of its hunk.
    const view = expectOk('sessions.conflicts', await request('sessions.conflicts', { id: info.id, direction: 'merge' }));
    expect(view.files.map((f) => f.path)).toEqual(['main.py']);
    expect(view.files[0]?.hunks[0]).toMatchObject({ ours: ["print('mine')"], theirs: ["print('hello')"] });

    // A commit in the session worktree by hand moves the session branch.
    fs.writeFileSync(path.join(info.worktree, 'extra.txt'), 'by hand\n');
    git(info.worktree, 'add', 'extra.txt');
    git(info.worktree, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'by hand');
    const sessionAt = git(repo, 'rev-parse', info.branch).trim();
    await waitFor('session.refsMoved for the session branch', () =>
      movedEvents().some((e) => e.type === 'session.refsMoved' && e.sessionHead === sessionAt),
    );

    // Refs packed away (no loose files left to watch), then main moves again: still told.
    git(repo, 'pack-refs', '--all');
    const third = expectOk('sessions.mergePreview', await request('sessions.mergePreview', { id: info.id }));
    expect(third).toMatchObject({ baseHead: mainAt(), sessionHead: sessionAt });
    git(repo, 'commit', '-qm', 'main moves again', '--allow-empty');
    await waitFor('session.refsMoved after pack-refs', () =>
      movedEvents().some((e) => e.type === 'session.refsMoved' && e.baseHead === mainAt()),
    );
    // One event per move: never the same heads twice in a row (preview requests themselves tell nothing).
    const heads = movedEvents().map((e) => (e.type === 'session.refsMoved' ? `${e.baseHead ?? ''}:${e.sessionHead ?? ''}` : ''));
    expect(heads.filter((h, i) => i > 0 && h === heads[i - 1])).toEqual([]);
  });

  it('run scripts: refused without one, set per repository with a confirmation, started with PORT and stopped (#21)', async () => {
    await api().subscribe(GLOBAL_STREAM);
    const info = await startSession({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] });
    await api().subscribe(info.id);
    await finished(info.id);
    expect(expectOk('sessions.run.output', await request('sessions.run.output', { id: info.id }))).toMatchObject({
      command: null,
      running: false,
      text: '',
    });
    expectError(await request('sessions.run.start', { id: info.id }), 'RUN_NOT_CONFIGURED');
    const command = 'echo "port=$PORT"; exec sleep 100000';
    expectError(await request('repo.setRunCommand', { repo, command }), 'CONFIRMATION_REQUIRED');
    const confirmation = host.programSettings.issue('workspace.run', command);
    expectOk('repo.setRunCommand', await request('repo.setRunCommand', { repo, command, confirmation }));
    const started = expectOk('sessions.run.start', await request('sessions.run.start', { id: info.id }));
    expect(started).toMatchObject({ command, url: `http://127.0.0.1:${started.port}` });
    await waitFor('the run output with its port', () =>
      opened.events.some((e) => e.type === 'run.output' && e.id === info.id && e.chunk.includes(`port=${started.port}`)),
    );
    expectError(await request('sessions.run.start', { id: info.id }), 'RUN_ALREADY_RUNNING');
    expect(expectOk('sessions.run.stop', await request('sessions.run.stop', { id: info.id }))).toMatchObject({
      stopped: true,
      treeGone: true,
    });
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).session.run).toMatchObject({
      state: 'stopped',
      stopReason: 'stop',
      port: started.port,
    });
  });

  it('merge preview, merge, rollback and discard act on the session and the user repository', async () => {
    await api().subscribe(GLOBAL_STREAM);
    const info = await startSession({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] });
    await api().subscribe(info.id);
    await finished(info.id);
    // Create pull request: without a remote, a typed refusal naming it; with a plain (not hosted) one, the branch is pushed.
    expectError(await request('sessions.pullRequest', { id: info.id }), 'REMOTE_NOT_FOUND');
    const bare = path.join(tmp, 'remote.git');
    git(tmp, 'init', '-q', '--bare', bare);
    git(repo, 'remote', 'add', 'origin', bare);
    const pr = expectOk('sessions.pullRequest', await request('sessions.pullRequest', { id: info.id, draft: true }));
    expect(pr).toMatchObject({
      via: 'none',
      url: null,
      remote: 'origin',
      branch: info.branch,
      commit: git(repo, 'rev-parse', info.branch).trim(),
    });
    expect(git(bare, 'rev-parse', info.branch).trim()).toBe(pr.commit);
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).lastPush).toMatchObject({
      remote: 'origin',
      commit: pr.commit,
    });
    const preview = expectOk('sessions.mergePreview', await request('sessions.mergePreview', { id: info.id }));
    expect(preview).toMatchObject({ canMerge: true, baseBranch: 'main', conflicts: [], blockedBy: [], upToDate: false });
    expect(preview.files.map((f) => f.path)).toEqual(['main.py']);
    const merged = expectOk('sessions.merge', await request('sessions.merge', { id: info.id, squash: true }));
    expect(merged.baseBranch).toBe('main');
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(merged.mergedCommit);
    expect(git(repo, 'show', `${merged.mergedCommit}:main.py`)).toBe("print('hello')\n");
    expect(merged.alreadyMerged).toBe(false);
    expect(expectOk('sessions.mergePreview', await request('sessions.mergePreview', { id: info.id })).upToDate).toBe(true);
    // Merging again with nothing new: ok, "Already merged", the same merge commit, nothing moved.
    const again = expectOk('sessions.merge', await request('sessions.merge', { id: info.id, squash: true }));
    expect(again).toMatchObject({ alreadyMerged: true, mergedCommit: merged.mergedCommit, baseBranch: 'main' });
    expect(again.message).toMatch(/^Already merged/);
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(merged.mergedCommit);

    const rolled = expectOk('sessions.rollback', await request('sessions.rollback', { id: info.id, step: 0 }));
    expect(rolled.headCommit).toBe(info.baseCommit);
    expect(rolled.droppedCommits).toBe(1);
    expect(rolled.keptRef).not.toBeNull();
    expect(git(repo, 'rev-parse', rolled.keptRef ?? '').trim()).not.toBe(info.baseCommit); // the dropped commit stays reachable
    expect(expectOk('sessions.diff', await request('sessions.diff', { id: info.id })).files).toEqual([]);

    const discarded = expectOk('sessions.discard', await request('sessions.discard', { id: info.id }));
    expect(discarded.archiveRef).not.toBeNull();
    expect(expectOk('sessions.list', await request('sessions.list', {})).sessions[0]).toMatchObject({ id: info.id, state: 'discarded' });
    await waitFor('the discarded list row', () =>
      opened.events.some((e) => e.type === 'session.updated' && e.info.id === info.id && e.info.state === 'discarded'),
    );
    // A discarded session cannot be resumed: a typed refusal, not a crash.
    const resumed = await request('sessions.resume', { id: info.id });
    expect(resumed.ok).toBe(false);
  });

  it('cleanup: per-step results, archive hides without deleting, disk usage, discardMany, openIn the recorded worktree', async () => {
    await api().subscribe(GLOBAL_STREAM);
    const a = await startSession({ coder: [{ content: code("print('a')") }], sheriff: [PASS] }, 'First line of A\nmore detail');
    await api().subscribe(a.id);
    await finished(a.id);
    const shown = expectOk('sessions.show', await request('sessions.show', { id: a.id }));
    expect(shown.session.title).toBe('First line of A');
    expect(shown.commits[0]).toMatchObject({ step: 1, check: { exitCode: 0, timedOut: false }, verdict: 'PASS', passed: true });

    expect(expectOk('sessions.archive', await request('sessions.archive', { ids: [a.id], archived: true }))).toEqual({ changed: [a.id] });
    expect(expectOk('sessions.list', await request('sessions.list', {})).sessions.find((s) => s.id === a.id)).toMatchObject({
      archived: true,
      state: 'passed',
    });
    expect(fs.existsSync(a.worktree)).toBe(true);
    await waitFor('the archived list row', () =>
      opened.events.some((e) => e.type === 'session.updated' && e.info.id === a.id && e.info.archived),
    );
    expectError(await request('sessions.archive', { ids: ['2501011200-abcdef'], archived: true }), 'SESSION_NOT_FOUND');
    expectOk('sessions.archive', await request('sessions.archive', { ids: [a.id], archived: false }));

    const usage = expectOk('sessions.diskUsage', await request('sessions.diskUsage', { ids: [a.id] }));
    expect(usage.sessions).toEqual([expect.objectContaining({ id: a.id, worktree: a.worktree, exists: true })]);
    expect(usage.totalBytes).toBeGreaterThan(0);

    // "Open in editor": the user's own command, with the recorded worktree as its last argument.
    const openedFile = path.join(tmp, 'opened.txt');
    fs.writeFileSync(
      path.join(tmp, 'home', 'factory.yaml'),
      `workspace:\n  editor: ["/bin/sh", "-c", "printf %s \\"$1\\" > '${openedFile}'", "editor"]\n`,
    );
    expectOk('sessions.openIn', await request('sessions.openIn', { id: a.id, target: 'editor' }));
    await waitFor('the editor command to run', () => fs.existsSync(openedFile) && fs.readFileSync(openedFile, 'utf8') !== '');
    expect(fs.readFileSync(openedFile, 'utf8')).toBe(a.worktree);

    const results = expectOk('sessions.discardMany', await request('sessions.discardMany', { ids: [a.id, '2501011200-abcdef'] })).results;
    expect(results[0]).toMatchObject({ id: a.id, ok: true, error: null });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_FOUND' } });
    expect(fs.existsSync(a.worktree)).toBe(false);
    expectError(await request('sessions.openIn', { id: a.id, target: 'files' }), 'REPO_GONE');
    expect(expectOk('sessions.diskUsage', await request('sessions.diskUsage', {})).sessions.find((s) => s.id === a.id)).toMatchObject({
      exists: false,
      bytes: 0,
    });
  });

  it('sessions.resume continues a cancelled session in the same log, to the end', async () => {
    const info = await startSession({ coder: [{ content: code("print('slow')"), fault: 'hang' }], sheriff: [PASS] });
    await api().subscribe(info.id);
    await waitFor('the Coder turn to start', () => eventsOf(info.id).some((e) => e.type === 'turn.started'));
    expectOk('sessions.cancel', await request('sessions.cancel', { id: info.id }));
    await finished(info.id);
    await model.setScript({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] });
    const resumed = expectOk('sessions.resume', await request('sessions.resume', { id: info.id }));
    expect(resumed).toMatchObject({ id: info.id, live: true, state: 'running' });
    await waitFor('the resumed run to finish', () => eventsOf(info.id).filter((e) => e.type === 'session.finished').length === 2);
    await host.sessions.settled(info.id);
    const events = eventsOf(info.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'session.finished', status: 'passed' });
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).session).toMatchObject({
      state: 'passed',
      live: false,
    });
  });

  it('sessions.reply, sessions.comment and sessions.requestChanges continue a finished session as new attempt series', async () => {
    const info = await startSession({ coder: [{ content: code("print('a')") }], sheriff: [PASS] });
    await api().subscribe(info.id);
    await finished(info.id);
    const ends = (): number => eventsOf(info.id).filter((e) => e.type === 'session.finished').length;

    await model.setScript({ coder: [{ content: code("print('b')") }], sheriff: [PASS] });
    expectError(await request('sessions.reply', { id: info.id, message: '   ' }), 'BAD_REQUEST');
    const replied = expectOk('sessions.reply', await request('sessions.reply', { id: info.id, message: 'Print b instead.' }));
    expect(replied).toMatchObject({ id: info.id, live: true, state: 'running' });
    await waitFor('the reply series to finish', () => ends() === 2);
    await host.sessions.settled(info.id);
    expect(eventsOf(info.id).find((e) => e.type === 'series.started')).toMatchObject({
      series: 2,
      instruction: 'Print b instead.',
      fromStep: 1,
    });
    // The server is chosen anew for a reply and logged (the plan fixes everything else).
    expect(eventsOf(info.id).find((e) => e.type === 'plan.server')).toMatchObject({ url: stub.status().url, model: stub.status().model });
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).session).toMatchObject({
      state: 'passed',
      series: 2,
      attempts: 1,
      live: false,
    });

    const comment = expectOk(
      'sessions.comment',
      await request('sessions.comment', { id: info.id, file: 'main.py', startLine: 1, endLine: 1, text: 'Print c.' }),
    );
    expect(comment).toMatchObject({
      file: 'main.py',
      startLine: 1,
      endLine: 1,
      quote: "print('b')",
      text: 'Print c.',
      state: 'open',
      series: null,
    });
    expectError(
      await request('sessions.comment', { id: info.id, file: 'main.py', startLine: 9, endLine: 9, text: 'Past the end.' }),
      'BAD_USAGE',
    );
    expectError(
      await request('sessions.comment', { id: info.id, file: '../outside.py', startLine: 1, endLine: 1, text: 'Out.' }),
      'PATH_REFUSED',
    );
    await model.setScript({ coder: [{ content: code("print('c')") }], sheriff: [PASS] });
    await model.clearRequests();
    expect(expectOk('sessions.requestChanges', await request('sessions.requestChanges', { id: info.id }))).toMatchObject({
      id: info.id,
      live: true,
    });
    await waitFor('the request-changes series to finish', () => ends() === 3);
    await host.sessions.settled(info.id);
    const prompt =
      (await model.requests())
        .find((r) => r.persona === 'coder')
        ?.messages.map((m) => m.content)
        .join('\n') ?? '';
    expect(prompt).toContain("1. main.py, line 1:\n```\nprint('b')\n```\nReview comment: Print c.");
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).comments).toEqual([
      expect.objectContaining({ id: comment.id, state: 'resolved', series: 3 }),
    ]);
    // Nothing open any more: a typed refusal.
    expectError(await request('sessions.requestChanges', { id: info.id }), 'BAD_USAGE');

    // Update from the base branch: nothing new, then main moves on and it is merged in.
    expect(expectOk('sessions.updateFromBase', await request('sessions.updateFromBase', { id: info.id }))).toMatchObject({
      updated: false,
    });
    fs.writeFileSync(path.join(info.repo, 'FROM_MAIN.md'), 'main moved\n');
    execFileSync('git', ['add', 'FROM_MAIN.md'], { cwd: info.repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'main moves'], { cwd: info.repo });
    const update = expectOk('sessions.updateFromBase', await request('sessions.updateFromBase', { id: info.id }));
    expect(update).toMatchObject({ updated: true, files: ['FROM_MAIN.md'] });
    expect(fs.existsSync(path.join(info.worktree, 'FROM_MAIN.md'))).toBe(true);
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).session.baseCommit).toBe(update.toBase);

    // main writes its own main.py: the update conflicts; the Coder resolves it from both versions.
    fs.writeFileSync(path.join(info.repo, 'main.py'), "print('main')\n");
    execFileSync('git', ['add', 'main.py'], { cwd: info.repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'main writes main.py'], { cwd: info.repo });
    expectError(await request('sessions.updateFromBase', { id: info.id }), 'MERGE_CONFLICTS');
    await model.setScript({ coder: [{ content: code("print('c')\nprint('main')") }], sheriff: [PASS] });
    await model.clearRequests();
    expect(expectOk('sessions.resolveWithCoder', await request('sessions.resolveWithCoder', { id: info.id }))).toMatchObject({
      id: info.id,
      live: true,
    });
    await waitFor('the resolving series to finish', () => ends() === 4);
    await host.sessions.settled(info.id);
    const resolvePrompt =
      (await model.requests())
        .find((r) => r.persona === 'coder')
        ?.messages.map((m) => m.content)
        .join('\n') ?? '';
    expect(resolvePrompt).toContain("main.py — this session's version (what the worktree has now):\n```\nprint('c')\n```");
    expect(resolvePrompt).toContain("main.py — main's version:\n```\nprint('main')\n```");
    // No git conflict markers anywhere in what the Coder is shown about the files (its system prompt's SEARCH/REPLACE format aside).
    const userPart =
      (await model.requests())
        .find((r) => r.persona === 'coder')
        ?.messages.filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join('\n') ?? '';
    expect(userPart).not.toMatch(/^(<{7}|={7}|>{7})( |$)/m);
    expect(expectOk('sessions.show', await request('sessions.show', { id: info.id })).session).toMatchObject({
      state: 'passed',
      series: 4,
    });
    expect(expectOk('sessions.mergePreview', await request('sessions.mergePreview', { id: info.id }))).toMatchObject({
      canMerge: true,
      conflicts: [],
    });
  });

  it('a client that reconnects with afterSeq gets everything it missed, nothing twice (session and global streams)', async () => {
    await api().subscribe(GLOBAL_STREAM);
    // A slow Coder stream (≈2 s of token.delta events) so the connection drops mid-turn.
    const prose = 'Here is a program that prints a greeting, written with care. '.repeat(6);
    const info = await startSession({ coder: [{ content: `${prose}\n${code("print('hello')")}`, tokensPerSecond: 60 }], sheriff: [PASS] });
    await api().subscribe(info.id, 0);
    await waitFor('some tokens to stream', () => eventsOf(info.id).filter((e) => e.type === 'token.delta').length >= 5);
    const seenBefore = eventsOf(info.id).length;
    const answers = await opened.interrupt([info.id, GLOBAL_STREAM], async () => {
      // While disconnected: global events happen, and more tokens stream into the log.
      stub.sample(1);
      stub.sample(2);
      stub.log('while you were away');
      await new Promise((resolve) => setTimeout(resolve, transport.name === 'web' ? 100 : 400));
    });
    const replayed = answers.map((answer) => expectOk('events.subscribe', answer));
    expect(replayed.find((r) => r.stream === info.id)?.replayed ?? 0).toBeGreaterThan(0);
    expect(replayed.find((r) => r.stream === GLOBAL_STREAM)?.replayed ?? 0).toBeGreaterThanOrEqual(3);
    const events = await finished(info.id);
    expect(events.length).toBeGreaterThan(seenBefore);
    const log = readSessionLog(sessionFiles(host.paths.sessions, info.id).log).events;
    // Exactly the log: every seq from 1 to the end, once each, in order.
    expect(events.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual(log.map((e) => e.type));
    const global = opened.events.filter((e) => e.session === GLOBAL_STREAM).map((e) => e.seq);
    expect(global).toEqual(global.map((_, i) => i + 1));
    expect(opened.events.filter((e) => e.type === 'memory.sample')).toHaveLength(2);
    expect(opened.events.some((e) => e.type === 'server.log' && e.line === 'while you were away')).toBe(true);
  });

  it('a folder dropped on the tray reaches the client as app.newSession with its status', async () => {
    await api().subscribe(GLOBAL_STREAM);
    const file = path.join(repo, 'README.md');
    await host.requestNewSession(file);
    await host.requestNewSession(repo);
    await waitFor('two app.newSession events', () => opened.events.filter((e) => e.type === 'app.newSession').length === 2);
    const asked = opened.events.flatMap((e) => (e.type === 'app.newSession' ? [e.repo] : []));
    expect(asked.map((r) => r.kind)).toEqual(['file', 'repo']);
    expect(asked[0]?.message).toMatch(/is a file, not a folder/);
  });
});

describe('the contract suite', () => {
  it('exercised every request of the contract', () => {
    expect(REQUEST_NAMES.filter((name) => !covered.has(name))).toEqual([]);
  });
});
