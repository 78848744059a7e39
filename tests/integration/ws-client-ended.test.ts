import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ConnectionState } from '../../src/api/client/factory-api.js';
import type { ApiError } from '../../src/api/responses.js';
import { protocolsFor } from '../../src/api/client/connect.js';
import { createWsClient, type WebSocketLike } from '../../src/api/client/ws-client.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { startWebHost, type WebHost } from '../../src/host/web-host.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A browser tab outlives its `mlx-factory ui`: the WebSocket client must end with a typed reason
 * instead of reconnecting forever — TOKEN_REJECTED when a host answers but with another token (it
 * restarted), HOST_GONE when nothing answers for the give-up time. Real host, real sockets.
 */
let tmp: string;
let host: FactoryHost;
let web: WebHost;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-ws-ended-'));
  fs.mkdirSync(path.join(tmp, 'renderer'));
  fs.writeFileSync(path.join(tmp, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  host = new FactoryHost({ home: path.join(tmp, 'home'), version: 'test' });
  web = await startWebHost({ host, rendererDir: path.join(tmp, 'renderer') });
});

afterAll(async () => {
  await web.close();
  await host.shutdown();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function client(url: string, origin: string, token: string, giveUpAfterMs = 30_000) {
  const states: Array<{ state: ConnectionState; error: ApiError | null }> = [];
  const api = createWsClient({
    url,
    giveUpAfterMs,
    minBackoffMs: 50,
    maxBackoffMs: 100,
    protocols: () => protocolsFor({ kind: 'token', value: token }),
    createSocket: (u, protocols) => new WebSocket(u, [...protocols], { origin }) as unknown as WebSocketLike,
  });
  api.onConnectionChange((state, error) => states.push({ state, error }));
  return { api, states };
}

describe('the WebSocket client when its host is not the one it was opened for', () => {
  it('stops with TOKEN_REJECTED when the host refuses its token, and answers requests with that code', async () => {
    const origin = `http://127.0.0.1:${web.port}`;
    const { api, states } = client(`ws://127.0.0.1:${web.port}/api`, origin, 'an-earlier-runs-token');
    await waitFor('the client to stop', () => api.connectionState === 'closed');
    expect(api.connectionError?.code).toBe('TOKEN_REJECTED');
    expect(states.at(-1)).toMatchObject({ state: 'closed', error: { code: 'TOKEN_REJECTED' } });
    // It never went back to trying.
    await new Promise((r) => setTimeout(r, 300));
    expect(states.filter((s) => s.state === 'reconnecting')).toEqual([]);
    const answer = await api.request('app.info', {});
    expect(answer.ok ? null : answer.error.code).toBe('TOKEN_REJECTED');
    api.close();
  });

  it('keeps working with the right token', async () => {
    const origin = `http://127.0.0.1:${web.port}`;
    const { api } = client(`ws://127.0.0.1:${web.port}/api`, origin, web.token);
    const answer = await api.request('app.info', {});
    expect(answer.ok).toBe(true);
    expect(api.connectionError).toBeNull();
    api.close();
  });

  it('stops with HOST_GONE once nothing has answered for the give-up time', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const started = Date.now();
    const { api, states } = client(`ws://127.0.0.1:${port}/api`, `http://127.0.0.1:${port}`, 'x', 600);
    await waitFor('the client to give up', () => api.connectionState === 'closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(api.connectionError?.code).toBe('HOST_GONE');
    expect(states.some((s) => s.state === 'reconnecting')).toBe(true);
    api.close();
  });
});
