import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { fail } from '../api/responses.js';
import { responseFrame } from './response-frame.js';
import {
  clientFrameSchema,
  CLOSE_TOKEN_REJECTED,
  CODE_PARAM,
  MAX_CLIENT_FRAME_BYTES,
  TOKEN_PARAM,
  WS_PATH,
  WS_PROTOCOL,
  type HostFrame,
} from '../api/wire.js';
import { FactoryError } from '../errors/factory-error.js';
import { ClientConnection } from './client-connection.js';
import { EventBatcher } from './event-batcher.js';
import type { FactoryHost } from './factory-host.js';
import { handleRequest } from './handle-request.js';
import { credentialFromProtocols, isAllowedHost, isAllowedOrigin, LaunchCodes, newToken, tokenMatches } from './request-guards.js';
import { resolveStaticFile } from './static-files.js';

export interface WebHostOptions {
  readonly host: FactoryHost;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  /** 0 (the default) = any free port. */
  readonly port?: number | undefined;
  readonly token?: string | undefined;
  readonly maxFrameBytes?: number | undefined;
}

export interface WebHost {
  /** http://127.0.0.1:PORT/#token=… — what to print (the token is in the fragment: never sent to a server). */
  readonly url: string;
  /** http://127.0.0.1:PORT/#code=… with a new one-time code: what to hand a browser on a command line. */
  oneTimeUrl(): string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const BIND_ADDRESS = '127.0.0.1';

/** What a tab of an earlier run is told (the renderer chooses what to show by the code, TOKEN_REJECTED). */
const STALE_ADDRESS_MESSAGE = 'This address is no longer served — open the new address printed by `mlx-factory ui`.';

/**
 * `mlx-factory ui`: the built renderer over HTTP and the typed API over a WebSocket, on 127.0.0.1
 * only. Every HTTP request and every socket must pass the Host, Origin and token checks of
 * request-guards.ts; anything else gets 403 and the server keeps serving.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? newToken();
  const rendererDir = path.resolve(options.rendererDir);
  const codes = new LaunchCodes();
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes ?? MAX_CLIENT_FRAME_BYTES,
    // Answer with our plain protocol name: the credential entry is never echoed back.
    handleProtocols: () => WS_PROTOCOL,
  });
  let port = 0;

  const server = http.createServer((request, response) => {
    serveHttp(request, response, { port, rendererDir });
  });
  server.on('upgrade', (request, socket, head) => {
    const refusal = upgradeRefusal(request, port, token, codes);
    if (refusal === 'stale-token') {
      // Our own page (Host and Origin pass) without a valid token — an earlier run's tab, say: tell it
      // so in a frame the browser can read, then close. It gets nothing else: no hello, no answers.
      sockets.handleUpgrade(request, socket, head, (ws) => refuseStaleToken(ws));
      return;
    }
    if (refusal !== null && 'status' in refusal) {
      refuseUpgrade(socket, refusal.status, refusal.message);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, options.host, refusal?.handToken === true ? token : undefined));
  });
  // A client that resets mid-handshake must not take the server down.
  server.on('clientError', (_error, socket) => socket.destroy());

  port = await listen(server, options.port ?? 0);
  return {
    url: `http://${BIND_ADDRESS}:${port}/#${TOKEN_PARAM}=${token}`,
    oneTimeUrl: () => `http://${BIND_ADDRESS}:${port}/#${CODE_PARAM}=${codes.mint()}`,
    port,
    token,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new FactoryError(
            'PORT_IN_USE',
            `Port ${port} on ${BIND_ADDRESS} is already in use (another \`mlx-factory ui\`, or another program). Pick another with --port N, or leave --port out to use any free port.`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(new FactoryError('PORT_IN_USE', `Not allowed to listen on port ${port}. Pick a port above 1024 with --port N.`));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(port, BIND_ADDRESS, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

interface HttpContext {
  readonly port: number;
  readonly rendererDir: string;
}

function contentSecurityPolicy(hostHeader: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Monaco sets inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    `connect-src 'self' ws://${hostHeader}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function serveHttp(request: http.IncomingMessage, response: http.ServerResponse, context: HttpContext): void {
  const hostHeader = request.headers.host;
  const send = (status: number, text: string, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    response.end(`${text}\n`);
  };
  if (!isAllowedHost(hostHeader, context.port)) {
    send(403, `Forbidden: this server answers only to 127.0.0.1:${context.port} and localhost:${context.port}.`);
    return;
  }
  if (request.headers.origin !== undefined && !isAllowedOrigin(request.headers.origin, hostHeader, context.port)) {
    send(403, 'Forbidden: requests from other sites are refused.');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    return;
  }
  // The page's files are our own renderer build, the same for everyone: the API socket is what the token guards.
  const url = new URL(request.url ?? '/', `http://${hostHeader}`);
  const found = resolveStaticFile(context.rendererDir, url.pathname);
  if (found === null) {
    if (!fs.existsSync(path.join(context.rendererDir, 'index.html'))) {
      send(
        503,
        `The UI is not built (no ${path.join(context.rendererDir, 'index.html')}). Run \`npm run build\`, then start \`mlx-factory ui\` again.`,
      );
    } else send(404, 'Not found.');
    return;
  }
  const headers: Record<string, string> = {
    'Content-Type': found.contentType,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  if (found.contentType.startsWith('text/html')) headers['Content-Security-Policy'] = contentSecurityPolicy(hostHeader ?? '');
  response.writeHead(200, headers);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = fs.createReadStream(found.file);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

/** null or `{handToken}`: let it in (a one-time code earns the token in the hello frame); else why not. */
function upgradeRefusal(
  request: http.IncomingMessage,
  port: number,
  token: string,
  codes: LaunchCodes,
): { status: number; message: string } | { handToken: boolean } | 'stale-token' | null {
  const hostHeader = request.headers.host;
  if (!isAllowedHost(hostHeader, port)) return { status: 403, message: 'Forbidden: wrong Host.' };
  if (!isAllowedOrigin(request.headers.origin, hostHeader, port)) return { status: 403, message: 'Forbidden: wrong Origin.' };
  const url = new URL(request.url ?? '/', `http://${hostHeader}`);
  if (url.pathname !== WS_PATH) return { status: 404, message: 'Not found.' };
  const credential = credentialFromProtocols(request.headers['sec-websocket-protocol']);
  if (credential?.kind === 'token' && tokenMatches(credential.value, token)) return null;
  if (credential?.kind === 'code' && codes.redeem(credential.value)) return { handToken: true };
  return 'stale-token';
}

function refuseStaleToken(ws: WebSocket): void {
  ws.on('error', () => undefined);
  ws.send(
    JSON.stringify({ type: 'refused', error: { code: 'TOKEN_REJECTED', message: STALE_ADDRESS_MESSAGE } } satisfies HostFrame),
    () => {
      ws.close(CLOSE_TOKEN_REJECTED, 'token rejected');
    },
  );
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = status === 404 ? 'Not Found' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

function serveSocket(ws: WebSocket, host: FactoryHost, handToken: string | undefined): void {
  // Events wait here as JSON text (serialized once, measured once) and leave as one 'events' frame.
  const events = new EventBatcher<string>({
    send: (batch) => {
      if (ws.readyState === ws.OPEN) ws.send(eventBatchFrameText(batch));
    },
    sizeOf: (json) => Buffer.byteLength(json),
  });
  const sendFrame = (frame: HostFrame): void => {
    // Whatever happened before this answer (a subscription's replay, say) reaches the client first.
    events.flush();
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const connection = new ClientConnection(host, (event) => events.push(JSON.stringify(event)));
  const close = (): void => {
    events.close();
    connection.close();
  };
  ws.on('close', close);
  // Oversized frames (ws closes with 1009) and protocol errors land here; only this socket ends.
  ws.on('error', close);
  sendFrame({ type: 'hello', epoch: host.epoch, version: host.version, ...(handToken !== undefined ? { token: handToken } : {}) });
  ws.on('message', (data: RawData, isBinary: boolean) => {
    void answer(data, isBinary);
  });

  async function answer(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      sendFrame({ type: 'response', id: null, response: fail('BAD_REQUEST', 'Send requests as JSON text frames.') });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(rawText(data));
    } catch {
      sendFrame({ type: 'response', id: null, response: fail('BAD_REQUEST', 'The message is not valid JSON.') });
      return;
    }
    const frame = clientFrameSchema.safeParse(raw);
    if (!frame.success) {
      const id =
        typeof raw === 'object' && raw !== null && 'id' in raw && Number.isInteger(raw.id) && (raw.id as number) >= 0
          ? (raw.id as number)
          : null;
      sendFrame({ type: 'response', id, response: fail('BAD_REQUEST', 'A request is {"type":"request","id":N,"name":"…","params":{…}}.') });
      return;
    }
    const { id, name, params } = frame.data;
    const response = await handleRequest({ host, connection, transport: 'web', native: { notifications: false } }, name, params);
    const text = responseFrame(id, response, response.ok ? host.sessionList.serialized(response.data) : undefined);
    // Whatever happened before this answer (a subscription's replay, say) reaches the client first.
    events.flush();
    if (ws.readyState === ws.OPEN) ws.send(text, { binary: false });
  }
}

/** `{"type":"events","events":[…]}` (eventBatchFrameSchema) from events already serialized. */
function eventBatchFrameText(jsonEvents: readonly string[]): string {
  return `{"type":"events","events":[${jsonEvents.join(',')}]}`;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
