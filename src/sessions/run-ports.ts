import { isPortFree } from '../server/port-probe.js';

/**
 * The ports a session's run script may take (#21): each session gets a block of RUN_PORT_BLOCK ports of
 * its own, so its app comes back on the same address run after run (bookmarks, cookies, an OAuth
 * callback registered for it) and two sessions side by side never ask for the same one. The block is
 * picked from the session id (stable) past the blocks other sessions already hold; PORT is then the
 * first port of the block that nothing listens on. Above the usual dev-server ports (3000, 5173, 8000,
 * 8080) and below Linux's ephemeral range (32768+ is the kernel's on macOS too, but 41000–48999 sits in
 * neither macOS's 49152+ nor the ports dev tools default to).
 */
export interface PortRange {
  readonly first: number;
  readonly last: number;
}

const RUN_PORT_FIRST = 41_000;
export const RUN_PORT_BLOCK = 10;
const RUN_PORT_BLOCKS = 800;

/** FNV-1a: a stable spread of ids over the blocks (not security: the choice is public anyway). */
function hashId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function block(index: number): PortRange {
  const first = RUN_PORT_FIRST + index * RUN_PORT_BLOCK;
  return { first, last: first + RUN_PORT_BLOCK - 1 };
}

/**
 * The session's range: the one it had (`recorded`), else its id's block, moved past blocks `taken` by
 * other sessions. Pure.
 */
export function chooseRunRange(id: string, recorded: PortRange | null, taken: readonly PortRange[]): PortRange {
  if (recorded !== null) return recorded;
  const held = new Set(taken.map((r) => r.first));
  const start = hashId(id) % RUN_PORT_BLOCKS;
  for (let i = 0; i < RUN_PORT_BLOCKS; i++) {
    const candidate = block((start + i) % RUN_PORT_BLOCKS);
    if (!held.has(candidate.first)) return candidate;
  }
  // Every block is held (800 sessions that ran): share the id's own; the free-port probe still decides.
  return block(start);
}

/** The first port of the range that nothing listens on (on 127.0.0.1, where the app is opened), or null. */
export async function firstFreePort(range: PortRange, host = '127.0.0.1'): Promise<number | null> {
  for (let port = range.first; port <= range.last; port++) if (await isPortFree(host, port)) return port;
  return null;
}
