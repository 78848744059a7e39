import crypto from 'node:crypto';
import { CODE_PROTOCOL_PREFIX, TOKEN_PROTOCOL_PREFIX } from '../api/wire.js';

/**
 * The browser host's access rules, as pure functions (DNS rebinding and cross-site requests are
 * the threats: any web page the user visits can aim requests at 127.0.0.1).
 * - Host must name our own address and port, so a rebound DNS name pointing at 127.0.0.1 is refused.
 * - Origin (when a browser sends one, which it always does for WebSockets) must be our own page's.
 * - The token, random per run, must come with every WebSocket (the API): in its subprotocol list,
 *   never in a URL or a cookie. The page's static files (our own renderer build) need no token.
 */
function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isAllowedHost(hostHeader: string | undefined, port: number): boolean {
  return hostHeader !== undefined && allowedHosts(port).includes(hostHeader.toLowerCase());
}

/** The Origin must be exactly the page's own: http:// + the (already checked) Host. */
export function isAllowedOrigin(origin: string | undefined, hostHeader: string | undefined, port: number): boolean {
  if (origin === undefined || !isAllowedHost(hostHeader, port)) return false;
  return origin.toLowerCase() === `http://${(hostHeader ?? '').toLowerCase()}`;
}

export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (given === null || given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** A WebSocket's credential, from its `Sec-WebSocket-Protocol` list (see wire.ts). */
export function credentialFromProtocols(header: string | undefined): { kind: 'token' | 'code'; value: string } | null {
  for (const entry of (header ?? '').split(',').map((p) => p.trim())) {
    if (entry.startsWith(TOKEN_PROTOCOL_PREFIX)) return { kind: 'token', value: entry.slice(TOKEN_PROTOCOL_PREFIX.length) };
    if (entry.startsWith(CODE_PROTOCOL_PREFIX)) return { kind: 'code', value: entry.slice(CODE_PROTOCOL_PREFIX.length) };
  }
  return null;
}

/** One-time codes for `--open`: each opens one socket, within a minute of being made. */
export class LaunchCodes {
  private readonly codes = new Map<string, number>();

  constructor(private readonly ttlMs = 60_000) {}

  mint(): string {
    const code = newToken();
    this.codes.set(code, Date.now() + this.ttlMs);
    return code;
  }

  redeem(code: string): boolean {
    for (const [known, expires] of this.codes) {
      if (expires < Date.now()) this.codes.delete(known);
      else if (tokenMatches(code, known)) {
        this.codes.delete(known);
        return true;
      }
    }
    return false;
  }
}
