import net from 'node:net';
import { z } from 'zod';

/**
 * Ports and what listens on them. Always 127.0.0.1 (or the configured IP), never "localhost":
 * Node may resolve it to ::1 while mlx_lm.server bound IPv4 (MLX-SERVER-NOTES.md §1).
 */

/** Can we bind it? (Both Node and Python's HTTP server set SO_REUSEADDR, so TIME_WAIT does not count.) */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** The preferred port if free, else the next free one above it (up to `tries` ports), else null. */
export async function findFreePort(host: string, preferred: number, tries = 50): Promise<number | null> {
  for (let port = preferred; port < preferred + tries && port <= 65535; port++) {
    if (await isPortFree(host, port)) return port;
  }
  return null;
}

/** One TCP connect attempt: true when something accepts. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls a TCP connect every `intervalMs` until the port accepts (true) or the signal aborts
 * (false). A refused connect on loopback answers in well under a millisecond, so 25 ms polling
 * notices the port within ~25 ms of it opening at a negligible cost. `nudge` lets the caller cut a
 * wait short (the server printed "Starting httpd", so the port is open now).
 */
export async function waitForPortOpen(
  host: string,
  port: number,
  signal: AbortSignal,
  intervalMs = 25,
  nudge?: (wake: () => void) => () => void,
): Promise<boolean> {
  while (!signal.aborted) {
    if (await canConnect(host, port, 500)) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      const unsubscribe = nudge?.(done);
      function done(): void {
        clearTimeout(timer);
        unsubscribe?.();
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
  return false;
}

export type Listener =
  | { readonly kind: 'none' }
  | { readonly kind: 'openai'; readonly models: readonly string[] }
  | { readonly kind: 'other'; readonly detail: string };

const modelListSchema = z.object({ object: z.literal('list'), data: z.array(z.object({ id: z.string() }).loose()) }).loose();

/**
 * What answers on host:port? An OpenAI-compatible server lists models at GET /v1/models; anything
 * else (another web server, a database, a stuck process) is "other", with what it did say.
 */
export async function identifyListener(host: string, port: number, timeoutMs = 3000): Promise<Listener> {
  if (!(await canConnect(host, port, Math.min(timeoutMs, 1000)))) return { kind: 'none' };
  try {
    const response = await fetch(`http://${host}:${port}/v1/models`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (!response.ok) return { kind: 'other', detail: `GET /v1/models answered HTTP ${response.status}` };
    const parsed = modelListSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return { kind: 'other', detail: 'GET /v1/models answered something that is not a model list' };
    return { kind: 'openai', models: parsed.data.data.map((m) => m.id) };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError') return { kind: 'other', detail: `no HTTP answer within ${Math.round(timeoutMs / 1000)} s` };
    if (error instanceof SyntaxError) return { kind: 'other', detail: 'GET /v1/models answered something that is not JSON' };
    return { kind: 'other', detail: 'it accepts connections but does not speak HTTP' };
  }
}
