import { execFile } from 'node:child_process';
import fs from 'node:fs';

/**
 * Which processes hold the listening socket(s) on a TCP port. Adoption depends on it: answering
 * GET /v1/models with our model proves nothing (any local program, a session's run script among
 * them, can say that), so a server is adopted only when its listening socket belongs to the process
 * our pid file names. Every listener on the port counts, whatever address it bound, so a second
 * socket (another address, SO_REUSEPORT) cannot hide beside ours.
 */
export type PortOwner =
  { readonly kind: 'known'; readonly pids: readonly number[] } | { readonly kind: 'unknown'; readonly reason: string };

export async function portOwner(port: number): Promise<PortOwner> {
  if (process.platform === 'linux') return linuxPortOwner(port);
  if (process.platform === 'darwin') return macPortOwner(port);
  return { kind: 'unknown', reason: `finding a port's owner is not implemented on ${process.platform}` };
}

/** True only when something listens on `port` and every listener belongs to `pid`. */
export function ownedBy(owner: PortOwner, pid: number): boolean {
  return owner.kind === 'known' && owner.pids.length > 0 && owner.pids.every((p) => p === pid);
}

/** "pid 123", "pids 1, 2", or why the owner is not known: for the log line that says who holds a port. */
export function describeOwner(owner: PortOwner): string {
  if (owner.kind === 'unknown') return `its owner could not be determined: ${owner.reason}`;
  return owner.pids.length === 1 ? `pid ${owner.pids[0]}` : `pids ${owner.pids.join(', ')}`;
}

// ---------------------------------------------------------------- Linux: /proc

const TCP_LISTEN = '0A';

/** Linux: the inodes of LISTEN sockets on the port (/proc/net/tcp and tcp6), then which /proc/PID/fd link to them. */
function linuxPortOwner(port: number): PortOwner {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (local === undefined || fields[3] !== TCP_LISTEN || fields[9] === undefined) continue;
      const hexPort = local.slice(local.lastIndexOf(':') + 1);
      if (Number.parseInt(hexPort, 16) === port && fields[9] !== '0') inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return { kind: 'unknown', reason: `no listening socket on port ${port} in /proc/net/tcp` };
  const targets = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  const pids = new Set<number>();
  const held = new Set<string>();
  let procs: string[];
  try {
    procs = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return { kind: 'unknown', reason: '/proc cannot be read' };
  }
  for (const proc of procs) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${proc}/fd`);
    } catch {
      continue; // another user's process, or gone meanwhile
    }
    for (const fd of fds) {
      try {
        const link = fs.readlinkSync(`/proc/${proc}/fd/${fd}`);
        if (!targets.has(link)) continue;
        pids.add(Number(proc));
        held.add(link);
      } catch {
        // closed meanwhile
      }
    }
  }
  // A socket no readable process holds belongs to another user's process: not ours, owner unknown.
  if (held.size < targets.size) return { kind: 'unknown', reason: 'a listening socket belongs to a process we cannot inspect' };
  return { kind: 'known', pids: [...pids].sort((a, b) => a - b) };
}

// ---------------------------------------------------------------- macOS: lsof

/** macOS (no /proc): lsof prints one `p<PID>` line per process holding a LISTEN socket on the port. */
function macPortOwner(port: number): Promise<PortOwner> {
  return new Promise((resolve) => {
    execFile('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fp'], { timeout: 10_000 }, (error, stdout) => {
      const pids = String(stdout)
        .split('\n')
        .filter((line) => /^p\d+$/.test(line))
        .map((line) => Number(line.slice(1)));
      // lsof exits 1 when it lists nothing (e.g. the listener is another user's and we are not root).
      if (pids.length === 0) {
        resolve({
          kind: 'unknown',
          reason: error !== null ? `lsof found no listener we can see (${error.message})` : 'lsof found no listener',
        });
        return;
      }
      resolve({ kind: 'known', pids: [...new Set(pids)].sort((a, b) => a - b) });
    });
  });
}
