import fs from 'node:fs';
import { descendantsOf } from './process-tree-walk.js';

/**
 * Linux memory figures from /proc (the real, tested path on this project's CI machines). Reads
 * are synchronous: /proc files are made in memory on read, and the promise overhead of
 * fs/promises would cost more than the reads.
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
  const available =
    kiBField(text, 'MemAvailable') ?? (kiBField(text, 'MemFree') ?? 0) + (kiBField(text, 'Cached') ?? 0) + (kiBField(text, 'Buffers') ?? 0);
  return { totalBytes: total, availableBytes: available };
}

/** VmRSS from /proc/<pid>/status, in bytes (null for a kernel thread or a zombie, which have none). */
export function parseStatusRss(text: string): number | null {
  return kiBField(text, 'VmRSS');
}

export async function readSystemMemoryLinux(): Promise<SystemMemory | null> {
  try {
    return parseMeminfo(fs.readFileSync('/proc/meminfo', 'utf8'));
  } catch {
    return null;
  }
}

export async function readRssLinux(pid: number): Promise<number | null> {
  try {
    return parseStatusRss(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
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

/**
 * The root and all its descendants. Where the kernel keeps child lists (/proc/<pid>/task/<tid>/children,
 * CONFIG_PROC_CHILDREN) they are read directly; otherwise every /proc/<pid>/stat is read once.
 * Synchronous reads on purpose: /proc files are generated in memory, and for ~100 tiny files the
 * promise machinery of fs/promises costs several times the reads themselves.
 */
export async function processTreeLinux(root: number): Promise<number[]> {
  return childrenFilesSupported(root) ? treeFromChildrenFiles(root) : treeFromStatScan(root);
}

function childrenFilesSupported(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}/task/${pid}/children`);
}

function treeFromChildrenFiles(root: number): number[] {
  const tree: number[] = [];
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (tree.includes(pid)) continue;
    tree.push(pid);
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited
    }
    for (const tid of tids) {
      try {
        const children = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        if (children !== '') queue.push(...children.split(/\s+/).map(Number));
      } catch {
        // thread exited
      }
    }
  }
  return tree;
}

function treeFromStatScan(root: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue; // not a pid
    try {
      const ppid = parseStatPpid(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (ppid !== null) {
        const list = children.get(ppid);
        if (list === undefined) children.set(ppid, [Number(name)]);
        else list.push(Number(name));
      }
    } catch {
      // exited while we looked
    }
  }
  return descendantsOf(root, children);
}
