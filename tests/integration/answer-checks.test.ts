import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { protocolsFor } from '../../src/api/client/connect.js';
import type { FactoryApi } from '../../src/api/client/factory-api.js';
import { createIpcClient } from '../../src/api/client/ipc-client.js';
import { createWsClient, type WebSocketLike } from '../../src/api/client/ws-client.js';
import { GLOBAL_STREAM, type ApiEvent, type GlobalEventPayload } from '../../src/api/global-events.js';
import { IPC_REQUEST } from '../../src/api/ipc-channels.js';
import { requestSchemas, type ApiResponse, type RequestName } from '../../src/api/requests.js';
import type { ApiResult } from '../../src/api/responses.js';
import { WS_PATH } from '../../src/api/wire.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { registerIpcHandlers } from '../../src/host/register-ipc.js';
import { startWebHost, type WebHost } from '../../src/host/web-host.js';
import { startHandWrittenHost, type HandWrittenHost } from '../support/hand-written-host.js';
import { IpcMainHarness } from '../support/ipc-harness.js';
import { makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession, type SessionFixture } from '../support/session-fixtures.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Every answer and every pushed event is checked against the contract by the client, on both
 * transports, in one place (src/api/client/answer-checks.ts, event-checks.ts): an answer off the
 * contract is BAD_ANSWER naming the request and the path; an event off it is dropped and said, never
 * handed on. The real host module, over a real WebSocket and over the IPC harness (Electron's
 * ipcMain/ipcRenderer with structured clones); a hand-written host where a host of another version
 * must say something the real one cannot.
 */
let repo: string;
let session: SessionFixture;
/** Sessions with a step, to merge and to roll back. */
let toMerge: SessionFixture;
let toRollBack: SessionFixture;
let host: FactoryHost;
let web: WebHost;
let ipcMain: IpcMainHarness;
let unregister: () => void;
/** What Electron's main process says of the login item: the front door's native part, handed on by the host. */
let loginItem: unknown = { openAtLogin: false, status: 'not-registered' };
/** The diagnostics each client said (what would go to the console), per client. */
const reports = new Map<FactoryApi, string[]>();
let webClient: ReturnType<typeof createWsClient>;
let ipcClient: FactoryApi;

beforeAll(async () => {
  repo = makeRepo();
  const home = makeTempDir('mlxf-home-');
  session = await createSessionFixture({ repo, home, name: 'Answer checks' });
  finishSession(session);
  toMerge = await createSessionFixture({ repo, home, name: 'Merge me' });
  await addStep(toMerge, { files: { 'merged.txt': 'merged\n' } });
  finishSession(toMerge);
  toRollBack = await createSessionFixture({ repo, home, name: 'Roll me back' });
  await addStep(toRollBack, { files: { 'rolled.txt': 'rolled\n' } });
  finishSession(toRollBack);
  host = new FactoryHost({ home, version: 'test' });
  const rendererDir = makeTempDir('mlxf-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  web = await startWebHost({ host, rendererDir });
  const webReports: string[] = [];
  webClient = createWsClient({
    url: `ws://127.0.0.1:${web.port}${WS_PATH}`,
    protocols: () => protocolsFor({ kind: 'token', value: web.token }),
    createSocket: (url, protocols) =>
      new WebSocket(url, [...protocols], { origin: `http://127.0.0.1:${web.port}` }) as unknown as WebSocketLike,
    report: (message) => webReports.push(message),
  });
  reports.set(webClient, webReports);
  ipcMain = new IpcMainHarness();
  unregister = registerIpcHandlers(ipcMain, host, {
    isTrustedSender: ipcMain.isTrustedSender,
    native: { notifications: false, getLoginItem: () => loginItem as never, setLoginItem: () => loginItem as never },
  });
  const ipcReports: string[] = [];
  ipcClient = createIpcClient(
    ipcMain.createRenderer().ipcRenderer,
    () => null,
    (message) => ipcReports.push(message),
  );
  reports.set(ipcClient, ipcReports);
});

afterAll(async () => {
  webClient.close();
  unregister();
  await web.close();
  await host.shutdown();
  removeTempDirs();
});

function failure(answer: ApiResponse<RequestName>): { code: string; message: string } {
  if (answer.ok) throw new Error(`expected a failure, got ${JSON.stringify(answer.data)}`);
  return answer.error;
}

describe('an answer off the contract, from the real host', () => {
  it('over IPC: the login item Electron reported with a status the contract does not know is BAD_ANSWER naming the request and the path', async () => {
    loginItem = { openAtLogin: true, status: 'enabled' };
    expect(await ipcClient.request('app.getLoginItem', {})).toEqual({ ok: true, data: { openAtLogin: true, status: 'enabled' } });
    loginItem = { openAtLogin: true, status: 'pending-approval' };
    const refused = failure(await ipcClient.request('app.getLoginItem', {}));
    expect(refused.code).toBe('BAD_ANSWER');
    expect(refused.message).toMatch(/app\.getLoginItem .*at status: /);
    loginItem = { openAtLogin: 'yes' };
    expect(failure(await ipcClient.request('app.setLoginItem', { openAtLogin: true })).message).toMatch(
      /app\.setLoginItem .*at openAtLogin: /,
    );
    // The same host's other answers are still checked and handed on.
    expect(await ipcClient.request('sessions.show', { id: session.id })).toMatchObject({ ok: true, data: { session: { id: session.id } } });
  });
});

describe('the real host answers exactly the contract', () => {
  it('sessions.merge and sessions.rollback carry the declared fields and nothing more (the answer as it crosses, unchecked)', async () => {
    const renderer = ipcMain.createRenderer();
    const asked = [
      ['sessions.merge', { id: toMerge.id }],
      ['sessions.rollback', { id: toRollBack.id, step: 0 }],
    ] as const;
    for (const [name, params] of asked) {
      const answer = (await renderer.ipcRenderer.invoke(IPC_REQUEST, name, params)) as ApiResult<unknown>;
      if (!answer.ok) throw new Error(`${name}: ${answer.error.message}`);
      // What the client makes of it is what was sent: no field the contract does not declare (the client would drop it).
      expect(requestSchemas[name].data.parse(answer.data)).toStrictEqual(answer.data);
    }
  });
});

describe('a host whose answers do not match the contract (a host of another version)', () => {
  let other: HandWrittenHost;

  beforeAll(async () => {
    other = await startHandWrittenHost();
  });

  afterAll(async () => {
    await other.close();
  });

  it('is BAD_ANSWER for a request other than sessions.list, naming the request and the path', async () => {
    const real = await webClient.request('sessions.show', { id: session.id });
    if (!real.ok) throw new Error(real.error.message);
    other.answerWith(JSON.stringify(real));
    expect(await other.client.request('sessions.show', { id: session.id })).toEqual(real);
    // One field of the wrong type deep inside: the request and the whole path are named.
    other.answerWith(JSON.stringify({ ok: true, data: { ...real.data, session: { ...real.data.session, steps: 'two' } } }));
    const refused = failure(await other.client.request('sessions.show', { id: session.id }));
    expect(refused.code).toBe('BAD_ANSWER');
    expect(refused.message).toMatch(/sessions\.show .*at session\.steps: /);
    // A field the contract requires, missing.
    const { lastSeq: _dropped, ...withoutLastSeq } = real.data;
    other.answerWith(JSON.stringify({ ok: true, data: withoutLastSeq }));
    expect(failure(await other.client.request('sessions.show', { id: session.id })).message).toMatch(/sessions\.show .*at lastSeq: /);
  });

  it('is BAD_ANSWER, not a request left waiting, when the answer is not an answer at all', async () => {
    other.answerWith(JSON.stringify({ ok: 'yes', data: {} }));
    expect(failure(await other.client.request('server.status', {}))).toMatchObject({
      code: 'BAD_ANSWER',
      message: expect.stringMatching(/server\.status/),
    });
    // `{ok:true}` with no data: the contract's `{}` is not "nothing".
    other.answerWith(JSON.stringify({ ok: true }));
    expect(failure(await other.client.request('events.unsubscribe', { stream: 'x' })).message).toMatch(/events\.unsubscribe/);
    // A failure is handed on as the host said it.
    other.answerWith(JSON.stringify({ ok: false, error: { code: 'SESSION_NOT_FOUND', message: 'No such session.' } }));
    expect(await other.client.request('sessions.show', { id: 'nope' })).toEqual({
      ok: false,
      error: { code: 'SESSION_NOT_FOUND', message: 'No such session.' },
    });
    expect(other.reports).toEqual([]);
  });

  it('drops a frame that is none of the host frames, and says so', async () => {
    const before = other.reports.length;
    other.sendRaw(JSON.stringify({ type: 'responses', id: 1 }));
    await waitFor('the client to say it dropped the frame', () => (other.reports.length > before ? true : null));
    expect(other.reports.at(-1)).toMatch(/dropped a frame from the host that does not match this window's contract at type/);
  });
});

describe('an event off the contract', () => {
  it.each([
    ['the WebSocket', () => webClient],
    ['IPC', () => ipcClient],
  ] as const)('is dropped and said over %s, and the events around it arrive', async (_transport, client) => {
    const api = client();
    const said = reports.get(api) ?? [];
    const seen: ApiEvent[] = [];
    const stop = api.onEvent((event) => seen.push(event));
    expect(await api.subscribe(GLOBAL_STREAM)).toMatchObject({ ok: true });
    const marker = `${_transport} ${Date.now()}`;
    host.global.emit({ type: 'server.log', stream: 'supervisor', line: `${marker} before` });
    // The real host's stream with what a host of another version would send: a log line of a stream this window does not know.
    host.global.emit({ type: 'server.log', stream: 'gpu', line: `${marker} off` } as unknown as GlobalEventPayload);
    host.global.emit({ type: 'server.log', stream: 'supervisor', line: `${marker} after` });
    const lines = (): string[] =>
      seen.flatMap((event) => (event.type === 'server.log' && event.line.startsWith(marker) ? [event.line] : []));
    await waitFor('the event after the bad one', () => (lines().includes(`${marker} after`) ? true : null));
    expect(lines()).toEqual([`${marker} before`, `${marker} after`]);
    // Said once for this kind of mismatch (a subscription's replay may have brought an earlier one of the kind first).
    const dropped = said.filter((message) => message.includes('dropped a server.log event'));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatch(
      new RegExp(
        `^MLX Factory: dropped a server\\.log event \\(the global stream seq \\d+\\) that does not match this window's contract at stream: ` +
          `Invalid option: expected one of "server"\\|"supervisor"\\. What it says is not shown; reload the window`,
      ),
    );
    // The same kind of mismatch again is dropped without a second line.
    const count = said.length;
    host.global.emit({ type: 'server.log', stream: 'gpu', line: `${marker} off again` } as unknown as GlobalEventPayload);
    host.global.emit({ type: 'server.log', stream: 'supervisor', line: `${marker} last` });
    await waitFor('the last event', () => (lines().includes(`${marker} last`) ? true : null));
    stop();
    expect(lines()).toEqual([`${marker} before`, `${marker} after`, `${marker} last`]);
    expect(said).toHaveLength(count);
  });
});
