import { execFile } from 'node:child_process';
import type { SystemMemory } from './linux-proc.js';
import { descendantsOf } from './process-tree-walk.js';

/**
 * macOS memory figures. macOS only: this project's CI runs on Linux, so the parsers are unit-tested
 * on captured output and the commands are what a Mac ships (/usr/bin/vm_stat, /usr/bin/top, ps).
 *
 * - The server's memory is its *physical footprint* (top's MEM column), not RSS: mlx keeps weights
 *   and KV cache in Metal buffers, which RSS does not count.
 * - Available memory comes from vm_stat, not os.freemem(): "free" pages on macOS are a small
 *   fraction of what can be had, since file cache and purgeable memory are given up on demand.
 */

function run(command: string, args: readonly string[], timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout) =>
      resolve(error === null ? String(stdout) : null),
    );
  });
}

export interface VmStat {
  readonly pageSize: number;
  /** "Pages free" → "free", "Pages wired down" → "wired down", "File-backed pages" → "file-backed", … */
  readonly pages: ReadonlyMap<string, number>;
}

/** `vm_stat` output: a header with the page size, then "Name:   1234." lines. */
export function parseVmStat(text: string): VmStat | null {
  const pageSize = Number(/page size of (\d+) bytes/.exec(text)?.[1] ?? NaN);
  if (!Number.isFinite(pageSize)) return null;
  const pages = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^"?([^":]+)"?:\s+(\d+)\.?\s*$/.exec(line.trim());
    if (match === null) continue;
    const name = (match[1] ?? '')
      .replace(/^Pages\s+/, '')
      .replace(/\s+pages$/, '')
      .toLowerCase();
    pages.set(name, Number(match[2]));
  }
  return pages.size === 0 ? null : { pageSize, pages };
}

/**
 * What a new process can get without pushing the system into swap, the way Activity Monitor counts
 * it: total − (wired + compressed + app memory), where app memory = anonymous − purgeable pages.
 * Older macOS without "Anonymous pages": free + inactive + speculative.
 */
export function availableFromVmStat(vm: VmStat, totalBytes: number): number {
  const page = (name: string): number => vm.pages.get(name) ?? 0;
  const anonymous = vm.pages.get('anonymous');
  if (anonymous !== undefined) {
    const used = page('wired down') + page('occupied by compressor') + Math.max(0, anonymous - page('purgeable'));
    return Math.max(0, totalBytes - used * vm.pageSize);
  }
  return (page('free') + page('inactive') + page('speculative')) * vm.pageSize;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A size as top prints it: "2929M", "560K+", "1.5G-", "0B", or bare bytes. */
export function parseTopSize(token: string): number | null {
  const match = /^(\d+(?:\.\d+)?)([BKMGT])?[+\-*]?$/.exec(token.trim());
  if (match === null) return null;
  return Math.round(Number(match[1]) * (SIZE_UNITS[match[2] ?? 'B'] ?? 1));
}

/**
 * `top -l 1 -s 0 -stats pid,mem -pid N …` → pid → physical footprint in bytes. Skips the summary
 * lines before the "PID  MEM" header; keeps rows that start with a pid and a size.
 */
export function parseTopFootprints(text: string): Map<number, number> {
  const sizes = new Map<number, number>();
  let inTable = false;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (!inTable) {
      inTable = fields[0] === 'PID' && fields[1] === 'MEM';
      continue;
    }
    const pid = Number(fields[0]);
    const bytes = parseTopSize(fields[1] ?? '');
    if (Number.isInteger(pid) && pid > 0 && bytes !== null) sizes.set(pid, bytes);
  }
  return sizes;
}

/** `ps -A -o pid=,ppid=` → ppid → children. */
export function parsePsParents(text: string): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const line of text.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid === undefined || ppid === undefined || !Number.isInteger(pid) || !Number.isInteger(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  return children;
}

/** `ps -o pid=,rss= -p …` (RSS in KiB) → pid → bytes. */
export function parsePsRss(text: string): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const line of text.split('\n')) {
    const [pid, rss] = line.trim().split(/\s+/).map(Number);
    if (pid !== undefined && rss !== undefined && Number.isInteger(pid) && Number.isFinite(rss)) sizes.set(pid, rss * 1024);
  }
  return sizes;
}

export async function readSystemMemoryMacos(totalBytes: number): Promise<SystemMemory | null> {
  const text = await run('/usr/bin/vm_stat', [], 5000);
  const vm = text === null ? null : parseVmStat(text);
  return vm === null ? null : { totalBytes, availableBytes: availableFromVmStat(vm, totalBytes) };
}

export async function processTreeMacos(root: number): Promise<number[]> {
  const text = await run('/bin/ps', ['-A', '-o', 'pid=,ppid='], 5000);
  if (text === null) return [root];
  return descendantsOf(root, parsePsParents(text));
}

/** Physical footprint of each pid via top(1); null when top fails (then the caller uses ps RSS). */
export async function readFootprintsMacos(pids: readonly number[]): Promise<Map<number, number> | null> {
  if (pids.length === 0) return new Map();
  const args = ['-l', '1', '-s', '0', '-stats', 'pid,mem', ...pids.flatMap((pid) => ['-pid', String(pid)])];
  const text = await run('/usr/bin/top', args, 10_000);
  if (text === null) return null;
  const sizes = parseTopFootprints(text);
  return sizes.size === 0 ? null : sizes;
}

export async function readRssMacos(pids: readonly number[]): Promise<Map<number, number>> {
  if (pids.length === 0) return new Map();
  const text = await run('/bin/ps', ['-o', 'pid=,rss=', '-p', pids.join(',')], 5000);
  return text === null ? new Map() : parsePsRss(text);
}
