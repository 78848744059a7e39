import { isProcessAlive, killProcessGroup } from '../sandbox/process-tree.js';
import { completionProbe } from './completion-probe.js';
import { MemorySampler } from './memory/memory-sampler.js';
import { readPidFile, removePidFile, type PidFileRecord } from './pid-file.js';
import { commandLineOf, looksLikeRecordedServer } from './process-info.js';
import { serverPaths } from './server-paths.js';
import type { MemorySampleEvent } from '../api/server-events.js';

/**
 * The server named by the pid file, seen from another process (`server status`, `server stop`):
 * its supervisor may be a background `server start`, the app, or gone.
 */
export interface RecordedServerStatus {
  readonly record: PidFileRecord;
  readonly url: string;
  readonly alive: boolean;
  /** A 1-token completion answered. */
  readonly answering: boolean;
  readonly probeDetail: string;
  /** The supervising process still runs (it restarts the server; stop goes through it). */
  readonly supervisorAlive: boolean;
  readonly memory: MemorySampleEvent | null;
}

export async function recordedServerStatus(home: string, probeTimeoutMs = 5000): Promise<RecordedServerStatus | null> {
  const record = readPidFile(serverPaths(home).pidFile);
  if (record === null) return null;
  const url = `http://${record.host}:${record.port}`;
  const alive = isProcessAlive(record.pid);
  const probe = alive ? await completionProbe(url, { timeoutMs: probeTimeoutMs }) : null;
  const memory = alive ? await new MemorySampler({ serverPid: () => record.pid }).sampleOnce() : null;
  return {
    record,
    url,
    alive,
    answering: probe?.ok === true,
    probeDetail: probe === null ? 'not running' : probe.ok ? `answered in ${Math.round(probe.ms)} ms` : probe.reason,
    supervisorAlive: record.supervisorPid !== process.pid && isProcessAlive(record.supervisorPid),
    memory,
  };
}

export type StopOutcome =
  | { readonly stopped: 'none' }
  | { readonly stopped: 'stale'; readonly record: PidFileRecord }
  | { readonly stopped: 'server'; readonly record: PidFileRecord; readonly via: 'supervisor' | 'signal' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the recorded server: through its supervisor when that still runs (SIGTERM to it, so it
 * does not restart what we kill), else by signalling the server's process group ourselves —
 * only after checking that the pid still runs the command we recorded.
 */
export async function stopRecordedServer(home: string, graceMs = 5000): Promise<StopOutcome> {
  const file = serverPaths(home).pidFile;
  const record = readPidFile(file);
  if (record === null) return { stopped: 'none' };
  if (!isProcessAlive(record.pid)) {
    removePidFile(file, record.pid);
    return { stopped: 'stale', record };
  }
  if (record.supervisorPid !== process.pid && isProcessAlive(record.supervisorPid)) {
    process.kill(record.supervisorPid, 'SIGTERM');
    const deadline = Date.now() + graceMs + 10_000;
    while (Date.now() < deadline && isProcessAlive(record.pid)) await sleep(50);
    if (!isProcessAlive(record.pid)) {
      removePidFile(file, record.pid);
      return { stopped: 'server', record, via: 'supervisor' };
    }
  }
  const command = await commandLineOf(record.pid);
  removePidFile(file, record.pid);
  // The pid was reused by an unrelated process: our server is long gone, leave that one alone.
  if (command === null || !looksLikeRecordedServer(command, record.command, record.port)) return { stopped: 'stale', record };
  await killProcessGroup(record.pgid, { graceMs });
  return { stopped: 'server', record, via: 'signal' };
}
