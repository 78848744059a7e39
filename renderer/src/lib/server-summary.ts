import type { MemorySample, ServerStatus } from '../../../src/api/payloads.js';
import { formatBytes } from './display-format.js';

/**
 * What every view says about the model server's memory, from the one source of truth for its
 * state (the supervisor's `server.state`, in the server store) and the latest memory sample. A
 * server the app uses but did not start ("Ready (external)") is running even when the sampler
 * cannot see its processes — never "not running".
 */
const RUNNING: ReadonlySet<ServerStatus['state']> = new Set(['ready', 'adopted', 'starting', 'restarting', 'stopping']);

function isServerRunning(status: ServerStatus | null): boolean {
  return status !== null && RUNNING.has(status.state);
}

export function serverMemory(status: ServerStatus | null, sample: MemorySample | null): { text: string; bytes: number; measured: boolean } {
  const measured = sample?.server ?? null;
  if (measured !== null && (status === null || isServerRunning(status)))
    return { text: formatBytes(measured.bytes), bytes: measured.bytes, measured: true };
  if (isServerRunning(status))
    return { text: status?.owned === false ? 'external — not measured' : 'not measured yet', bytes: 0, measured: false };
  if (status === null && sample === null) return { text: '—', bytes: 0, measured: false };
  return { text: 'stopped', bytes: 0, measured: false };
}
