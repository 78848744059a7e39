import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { protocolsFor } from '../../src/api/client/connect.js';
import { createWsClient, type WebSocketLike } from '../../src/api/client/ws-client.js';
import type { ApiResponse } from '../../src/api/requests.js';
import { WS_PATH } from '../../src/api/wire.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { startWebHost, type WebHost } from '../../src/host/web-host.js';
import { makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { startHandWrittenHost, type HandWrittenHost } from '../support/hand-written-host.js';
import { addStep, createSessionFixture, finishSession, type SessionFixture } from '../support/session-fixtures.js';
import { waitFor } from '../support/wait-for.js';

/**
 * `sessions.list` as a window takes it whole, over the real host's WebSocket (#15's bench target):
 * the host sends the answer's JSON built once per list version, and the client checks the answer
 * against the contract once and knows it again by its exact bytes. Real sessions (real worktrees
 * and logs), a real host and socket; a hand-written host only where the host must say something
 * wrong.
 */
const SESSIONS = 8;

let host: FactoryHost;
let web: WebHost;
let sessions: SessionFixture[];
/** Every text frame the client received, in order. */
const frames: string[] = [];
let client: ReturnType<typeof createWsClient>;

beforeAll(async () => {
  const repo = makeRepo();
  const home = makeTempDir('mlxf-home-');
  sessions = [];
  for (let i = 0; i < SESSIONS; i++) {
    const session = await createSessionFixture({ repo, home, name: `Task ${i}` });
    finishSession(session);
    sessions.push(session);
  }
  host = new FactoryHost({ home, version: 'test' });
  const rendererDir = makeTempDir('mlxf-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  web = await startWebHost({ host, rendererDir });
  const origin = `http://127.0.0.1:${web.port}`;
  client = createWsClient({
    url: `ws://127.0.0.1:${web.port}${WS_PATH}`,
    protocols: () => protocolsFor({ kind: 'token', value: web.token }),
    createSocket: (url, protocols) => recording(new WebSocket(url, [...protocols], { origin }) as unknown as WebSocketLike),
  });
});

afterAll(async () => {
  client.close();
  await web.close();
  await host.shutdown();
  removeTempDirs();
});

/** The socket as the client sees it, with every frame it receives also kept in `frames`. */
function recording(socket: WebSocketLike): WebSocketLike {
  return new Proxy(socket, {
    set(target, key, value: unknown) {
      if (key === 'onmessage' && typeof value === 'function') {
        const deliver = value as (event: { data: unknown }) => void;
        target.onmessage = (event) => {
          if (typeof event.data === 'string') frames.push(event.data);
          deliver(event);
        };
        return true;
      }
      return Reflect.set(target, key, value);
    },
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function listed(answer: ApiResponse<'sessions.list'>): Extract<ApiResponse<'sessions.list'>, { ok: true }>['data'] {
  if (!answer.ok) throw new Error(`sessions.list failed: ${answer.error.code}: ${answer.error.message}`);
  return answer.data;
}

describe('sessions.list taken whole, over the web host', () => {
  it('sends the same bytes while nothing changes, and the client hands on the answer it checked', async () => {
    const first = listed(await client.request('sessions.list', {}));
    const firstFrame = frames.at(-1) ?? '';
    const second = listed(await client.request('sessions.list', {}));
    const secondFrame = frames.at(-1) ?? '';
    expect(first.sessions.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
    expect(first.unchanged).toBe(false);
    // The frames differ only by the request id; each is exactly what JSON.stringify makes of it.
    expect(secondFrame).not.toBe(firstFrame);
    expect(secondFrame.replace(/^\{"type":"response","id":\d+,/, '')).toBe(firstFrame.replace(/^\{"type":"response","id":\d+,/, ''));
    expect(JSON.stringify(JSON.parse(secondFrame))).toBe(secondFrame);
    // Known by its bytes: the very answer checked the first time, frozen so no caller can change it for the next.
    expect(second).toBe(first);
    expect(Object.isFrozen(second.sessions[0])).toBe(true);
    expect(Object.isFrozen(second.sessions)).toBe(true);
  });

  it('keeps its version when a relisting finds nothing new, and answers anew when a session changes', async () => {
    const before = listed(await client.request('sessions.list', {}));
    host.sessionList.invalidate();
    const again = listed(await client.request('sessions.list', {}));
    expect(again.version).toBe(before.version);
    expect(again).toBe(before);
    // A poller with the version gets "unchanged" and no rows.
    expect(listed(await client.request('sessions.list', { since: before.version }))).toMatchObject({ sessions: [], unchanged: true });

    const changed = sessions[0] as SessionFixture;
    await addStep(changed, { files: { 'a.txt': 'one\n' } });
    const after = await waitFor('the list to show the new step', async () => {
      const answer = listed(await client.request('sessions.list', {}));
      return answer.version !== before.version ? answer : null;
    });
    expect(after).not.toBe(before);
    expect(after.sessions.find((s) => s.id === changed.id)?.steps).toBe(1);
    expect(Object.isFrozen(after.sessions[0])).toBe(true);
    // The rows nothing changed are the same as before.
    const others = (answer: typeof before): unknown[] => answer.sessions.filter((s) => s.id !== changed.id).map((s) => ({ ...s }));
    expect(others(after)).toEqual(others(before));
  });
});

describe('a host whose answer does not match the contract', () => {
  let other: HandWrittenHost;

  beforeAll(async () => {
    other = await startHandWrittenHost();
  });

  afterAll(async () => {
    await other.close();
  });

  it('is BAD_ANSWER, and one byte changed in an answer checked before is checked again', async () => {
    const good = listed(await client.request('sessions.list', {}));
    const sent = JSON.stringify({ ok: true, data: good });
    other.answerWith(sent);
    const checked = listed(await other.client.request('sessions.list', {}));
    expect(checked).toEqual(good);
    // Same length, one row's state no longer one the contract knows.
    other.answerWith(sent.replace('"state":"passed"', '"state":"pazzed"'));
    const refused = await other.client.request('sessions.list', {});
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('BAD_ANSWER');
      expect(refused.error.message).toMatch(/sessions\.list .*state/);
    }
    // A short answer of the wrong shape too.
    other.answerWith(JSON.stringify({ ok: true, data: { sessions: 'none', version: 'v' } }));
    expect(await other.client.request('sessions.list', {})).toMatchObject({ ok: false, error: { code: 'BAD_ANSWER' } });
    // And the right bytes again are the answer checked before.
    other.answerWith(sent);
    expect(listed(await other.client.request('sessions.list', {}))).toBe(checked);
  });
});
