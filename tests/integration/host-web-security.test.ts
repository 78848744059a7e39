import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { protocolsFor } from '../../src/api/client/connect.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { startWebHost, type WebHost } from '../../src/host/web-host.js';
import { isFactoryError } from '../../src/errors/factory-error.js';

/**
 * The browser host's doors, attacked the way a hostile web page or a rebound DNS name would:
 * a real server on 127.0.0.1, raw HTTP requests and real WebSockets. Every refusal must leave the
 * server serving.
 */
let tmp: string;
let host: FactoryHost;
let web: WebHost;
let base: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf web security '));
  const rendererDir = path.join(tmp, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><title>MLX Factory</title><script type="module" src="./assets/app.js"></script>',
  );
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'not for the browser');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
  host = new FactoryHost({ home: path.join(tmp, 'home'), version: 'test' });
  web = await startWebHost({ host, rendererDir });
  base = `127.0.0.1:${web.port}`;
});

afterAll(async () => {
  await web.close();
  await host.shutdown();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function get(pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port: web.port, path: pathAndQuery, method, headers: { Host: base, ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Opens a socket; answers 'open' or the HTTP status of the refused upgrade. Frames are kept from the start. */
function connect(
  url: string,
  options: { origin?: string; headers?: Record<string, string>; protocols?: string[] } = {},
): Promise<{ outcome: number | 'open'; socket: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const protocols = options.protocols ?? protocolsFor({ kind: 'token', value: web.token });
    const socket = new WebSocket(url, protocols, {
      ...(options.origin !== undefined ? { origin: options.origin } : {}),
      headers: options.headers ?? {},
    });
    // The host's hello can arrive in the same packet as the handshake: listen before 'open'.
    const frames: Array<Record<string, unknown>> = [];
    const waiters: Array<(frame: Record<string, unknown>) => void> = [];
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter(frame);
      else frames.push(frame);
    });
    const next = (): Promise<Record<string, unknown>> => {
      const queued = frames.shift();
      return queued !== undefined ? Promise.resolve(queued) : new Promise((r) => waiters.push(r));
    };
    socket.once('open', () => resolve({ outcome: 'open', socket, next }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ outcome: response.statusCode ?? 0, socket, next });
      response.resume();
    });
    socket.once('error', (error) => reject(error));
  });
}

const wsUrl = (): string => `ws://${base}/api`;
const ownOrigin = (): string => `http://${base}`;

/** Opens a socket as the page would. */
async function pageSocket(): Promise<{ socket: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  const { outcome, socket, next } = await connect(wsUrl(), { origin: ownOrigin() });
  expect(outcome).toBe('open');
  expect(await next()).toMatchObject({ type: 'hello', epoch: host.epoch });
  return { socket, next };
}

async function stillServing(): Promise<void> {
  const { socket, next } = await pageSocket();
  socket.send(JSON.stringify({ type: 'request', id: 7, name: 'app.info', params: {} }));
  expect(await next()).toMatchObject({ type: 'response', id: 7, response: { ok: true, data: { transport: 'web' } } });
  socket.close();
}

describe('the browser host over HTTP', () => {
  it('binds to 127.0.0.1 only and prints a URL with the token in its fragment (never sent to a server)', () => {
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/#token=${web.token}`);
    expect(web.token.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the page and its assets without a token, with no cookie, and a strict CSP', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>MLX Factory</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' ws://${base}`);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    // Cookies ignore ports: one would reach every other server on 127.0.0.1.
    expect(page.headers['set-cookie']).toBeUndefined();
    const asset = await get('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('refuses a wrong Host header even with the token (DNS rebinding)', async () => {
    for (const hostHeader of [`evil.example:${web.port}`, '127.0.0.1', `127.0.0.1:${web.port + 1}`, `localhost.evil.example:${web.port}`]) {
      const answer = await get('/', { Host: hostHeader });
      expect(answer.status, hostHeader).toBe(403);
    }
    expect((await get('/', { Host: `localhost:${web.port}` })).status).toBe(200);
  });

  it('refuses requests from another Origin, and anything but GET/HEAD', async () => {
    expect((await get('/', { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await get('/', {}, 'POST')).status).toBe(405);
    expect((await get('/', {}, 'HEAD')).status).toBe(200);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/link.txt', '/%00', '/assets']) {
      const answer = await get(target);
      expect(answer.status, target).toBe(404);
      expect(answer.body).not.toContain('not for the browser');
    }
  });
});

describe('the browser host over WebSocket', () => {
  it('accepts the page: right Host, own Origin, token', async () => {
    await stillServing();
  });

  /** A socket of our own page that the host must turn away: one `refused` frame (TOKEN_REJECTED), closed with 4401, nothing served. */
  async function expectTurnedAway(protocols: string[], url = wsUrl()): Promise<void> {
    const { outcome, socket, next } = await connect(url, { origin: ownOrigin(), protocols });
    // Our own page from an earlier run's address: it must learn why, which a refused upgrade cannot tell a browser.
    expect(outcome).toBe('open');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    expect(await next()).toMatchObject({ type: 'refused', error: { code: 'TOKEN_REJECTED' } });
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'request', id: 1, name: 'app.info', params: {} }));
    expect(await Promise.race([next(), closed.then(() => 'closed without another frame')])).toBe('closed without another frame');
    expect(await closed).toBe(4401);
  }

  it('turns away a missing or wrong token, and a token in the URL (tokens never travel in URLs)', async () => {
    await expectTurnedAway(['mlx-factory']);
    await expectTurnedAway(protocolsFor({ kind: 'token', value: 'nope' }));
    await expectTurnedAway(protocolsFor({ kind: 'token', value: web.token.slice(0, -1) }));
    await expectTurnedAway(['mlx-factory'], `${wsUrl()}?token=${web.token}`);
    await stillServing();
  });

  it('never echoes the token: the accepted subprotocol is the plain name', async () => {
    const { socket } = await pageSocket();
    expect(socket.protocol).toBe('mlx-factory');
    socket.close();
  });

  it('a one-time code (what --open hands the browser) opens one socket, which then gets the token to reconnect with', async () => {
    const code = new URL(web.oneTimeUrl()).hash.replace('#code=', '');
    const first = await connect(wsUrl(), { origin: ownOrigin(), protocols: protocolsFor({ kind: 'code', value: code }) });
    expect(first.outcome).toBe('open');
    expect(await first.next()).toMatchObject({ type: 'hello', token: web.token });
    first.socket.close();
    await expectTurnedAway(protocolsFor({ kind: 'code', value: code }));
    await stillServing();
  });

  it('refuses another Origin, or none (403)', async () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1', `http://127.0.0.1:${web.port + 1}`, 'null', `https://${base}`]) {
      expect((await connect(wsUrl(), { origin })).outcome, origin).toBe(403);
    }
    expect((await connect(wsUrl())).outcome).toBe(403);
    // The Origin must be the page's own: a localhost page cannot drive a 127.0.0.1 socket.
    expect((await connect(wsUrl(), { origin: `http://localhost:${web.port}` })).outcome).toBe(403);
    await stillServing();
  });

  it('refuses a wrong Host header (403) and a wrong path (404)', async () => {
    const rebound = await connect(wsUrl(), { origin: `http://evil.example:${web.port}`, headers: { Host: `evil.example:${web.port}` } });
    expect(rebound.outcome).toBe(403);
    expect((await connect(`ws://${base}/elsewhere`, { origin: ownOrigin() })).outcome).toBe(404);
    await stillServing();
  });

  it('closes a socket that sends an oversized message (1009); the server keeps serving', async () => {
    const { socket } = await pageSocket();
    const closed = new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)));
    socket.on('error', () => undefined);
    socket.send(JSON.stringify({ type: 'request', id: 1, name: 'app.info', params: { pad: 'x'.repeat(300 * 1024) } }));
    expect(await closed).toBe(1009);
    await stillServing();
  });

  it('answers malformed JSON, binary frames and bad frames with BAD_REQUEST, and keeps the socket', async () => {
    const { socket, next } = await pageSocket();
    socket.send('{"type":"request", "id": 1, "name": ');
    expect(await next()).toMatchObject({ type: 'response', id: null, response: { ok: false, error: { code: 'BAD_REQUEST' } } });
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await next()).toMatchObject({ type: 'response', id: null, response: { ok: false, error: { code: 'BAD_REQUEST' } } });
    socket.send(JSON.stringify({ type: 'request', id: 3, name: 42 }));
    expect(await next()).toMatchObject({ type: 'response', id: 3, response: { ok: false, error: { code: 'BAD_REQUEST' } } });
    socket.send(JSON.stringify([1, 2]));
    expect(await next()).toMatchObject({ type: 'response', id: null, response: { ok: false, error: { code: 'BAD_REQUEST' } } });
    socket.send(JSON.stringify({ type: 'request', id: 4, name: 'sessions.start', params: { description: 1 } }));
    const invalid = await next();
    expect(invalid).toMatchObject({ type: 'response', id: 4, response: { ok: false, error: { code: 'BAD_REQUEST' } } });
    expect(JSON.stringify(invalid)).toMatch(/description/);
    socket.send(JSON.stringify({ type: 'request', id: 5, name: 'app.info', params: {} }));
    expect(await next()).toMatchObject({ type: 'response', id: 5, response: { ok: true } });
    socket.close();
    await stillServing();
  });
});

describe('starting the browser host', () => {
  it('says clearly when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startWebHost({ host, rendererDir: tmp, port })).rejects.toSatisfy(
        (error: unknown) =>
          isFactoryError(error) &&
          error.code === 'PORT_IN_USE' &&
          error.message.includes(`Port ${port}`) &&
          error.message.includes('--port'),
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('says how to build the UI when it is not built', async () => {
    const empty = fs.mkdtempSync(path.join(tmp, 'unbuilt-'));
    const bare = await startWebHost({ host, rendererDir: empty });
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: bare.port, path: '/', headers: { Host: `127.0.0.1:${bare.port}` } }, (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
            );
          })
          .on('error', reject);
      });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatch(/npm run build/);
    } finally {
      await bare.close();
    }
  });
});
