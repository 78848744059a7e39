import { readdir, readFile } from 'node:fs/promises';

/**
 * Linux memory figures from /proc (the real, tested path on this project's CI machines).
 * RSS is what a process holds in RAM here: mlx on Linux uses the CPU and plain heap memory, so
 * unlike macOS with Metal there is no GPU memory that RSS would miss.
 */

export interface SystemMemory {
  readonly totalBytes: number;
  readonly availableBytes: number;
}

function kiBField(text: string, name: string): number | null {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return match === null ? null : Number(match[1]) * 1024;
}

/** /proc/meminfo → total and available (MemAvailable: the kernel's own estimate of what can be had without swapping). */
export function parseMeminfo(text: string): SystemMemory | null {
  const total = kiBField(text, 'MemTotal');
  if (total === null) return null;
  // Kernels before 3.14 have no MemAvailable: free + page cache is the classic approximation.
  const available = kiBField(text, 'MemAvailable') ?? (kiBField(text, 'MemFree') ?? 0) + (kiBField(text, 'Cached') ?? 0) + (kiBField(text, 'Buffers') ?? 0);
  return { totalBytes: total, availableBytes: available };
}

/** VmRSS from /proc/<pid>/status, in bytes (null for a kernel thread or a zombie, which have none). */
export function parseStatusRss(text: string): number | null {
  return kiBField(text, 'VmRSS');
}

export async function readSystemMemoryLinux(): Promise<SystemMemory | null> {
  try {
    return parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
  } catch {
    return null;
  }
}

export async function readRssLinux(pid: number): Promise<number | null> {
  try {
    return parseStatusRss(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null; // gone
  }
}

/** "pid (comm) S ppid …" → ppid; comm may hold spaces and parentheses, so split after the last ')'. */
export function parseStatPpid(stat: string): number | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** The root and all its descendants, by scanning every /proc/<pid>/stat (≈100 small reads). */
export async function processTreeLinux(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [root];
  }
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const ppid = parseStatPpid(await readFile(`/proc/${name}/stat`, 'utf8'));
          if (ppid !== null) children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
        } catch {
          // exited while we looked
        }
      }),
  );
  const tree: number[] = [];
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}
