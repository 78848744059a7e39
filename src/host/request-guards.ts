import crypto from 'node:crypto';

/**
 * The browser host's access rules, as pure functions (DNS rebinding and cross-site requests are
 * the threats: any web page the user visits can aim requests at 127.0.0.1).
 * - Host must name our own address and port, so a rebound DNS name pointing at 127.0.0.1 is refused.
 * - Origin (when a browser sends one, which it always does for WebSockets) must be our own page's.
 * - The token, random per run, must come with every request: in the URL (page and socket) or in the
 *   cookie the page got when it was opened with the token.
 */
export function allowedHosts(port: number): string[] {
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

/** The cookie is per port: cookies ignore ports, and two hosts on different ports must not clash. */
export function tokenCookieName(port: number): string {
  return `mlx_factory_token_${port}`;
}

export function cookieValue(cookieHeader: string | undefined, name: string): string | null {
  if (cookieHeader === undefined) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
