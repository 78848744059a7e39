import os from 'node:os';
import type { MemorySampleEvent, MemorySource } from '../../api/server-events.js';
import { TypedEmitter } from '../typed-emitter.js';
import { processTreeLinux, readRssLinux, readSystemMemoryLinux, type SystemMemory } from './linux-proc.js';
import { processTreeMacos, readFootprintsMacos, readRssMacos, readSystemMemoryMacos } from './macos-memory.js';
import { RingBuffer } from './ring-buffer.js';

export interface MemorySamplerOptions {
  /** The server's pid right now (null while nothing runs). */
  readonly serverPid: () => number | null;
  readonly intervalMs?: number;
  /** Samples kept (default 600: ten minutes at one per second). */
  readonly capacity?: number;
  readonly treeRefreshMs?: number;
  /** macOS: how often top(1) measures the footprint; between runs the last figure is reused. */
  readonly footprintRefreshMs?: number;
  readonly platform?: NodeJS.Platform;
  /** Where the system's total and available memory come from (default: the OS, see readSystemMemory); tests inject a file. */
  readonly readSystem?: () => Promise<SystemMemoryReading>;
}

export interface SystemMemoryReading extends SystemMemory {
  readonly source: MemorySource;
}

/** Total and available memory, the right way for each platform. */
export async function readSystemMemory(platform: NodeJS.Platform = process.platform): Promise<SystemMemoryReading> {
  if (platform === 'linux') {
    const linux = await readSystemMemoryLinux();
    if (linux !== null) return { ...linux, source: 'proc-meminfo' };
  }
  if (platform === 'darwin') {
    const mac = await readSystemMemoryMacos(os.totalmem());
    if (mac !== null) return { ...mac, source: 'vm_stat' };
  }
  return { totalBytes: os.totalmem(), availableBytes: os.freemem(), source: 'os' };
}

interface TreeCache {
  readonly root: number;
  readonly pids: readonly number[];
  readonly at: number;
}

/**
 * Samples memory every second while something is watching (the app's window, `server status`):
 * the server's process tree, the system's total and available memory, and this process. Samples
 * are kept in a bounded ring for the chart and emitted as `memory.sample` events.
 *
 * Cost control (target: < 1 % of a core): the process tree is re-walked only every few seconds
 * (an mlx_lm server is one process; children are rare), and on macOS top(1) — which measures the
 * footprint but is heavy — runs at most every `footprintRefreshMs`, never two at a time.
 */
export class MemorySampler {
  private readonly events = new TypedEmitter<{ 'memory.sample': MemorySampleEvent }>();
  private readonly ring: RingBuffer<MemorySampleEvent>;
  private readonly intervalMs: number;
  private readonly treeRefreshMs: number;
  private readonly footprintRefreshMs: number;
  private readonly platform: NodeJS.Platform;
  private timer: NodeJS.Timeout | null = null;
  private tree: TreeCache | null = null;
  private footprint: { root: number; bytes: number; pids: number[]; at: number } | null = null;
  private footprintRunning = false;

  constructor(private readonly options: MemorySamplerOptions) {
    this.ring = new RingBuffer(options.capacity ?? 600);
    this.intervalMs = options.intervalMs ?? 1000;
    this.treeRefreshMs = options.treeRefreshMs ?? 5000;
    this.footprintRefreshMs = options.footprintRefreshMs ?? 5000;
    this.platform = options.platform ?? process.platform;
  }

  on(type: 'memory.sample', listener: (sample: MemorySampleEvent) => void): () => void {
    return this.events.on(type, listener);
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Starts sampling (idempotent); the first sample is taken at once. */
  start(): void {
    if (this.timer !== null) return;
    const tick = (): void => {
      void this.sampleOnce()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== null) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Oldest first, at most `capacity`. */
  samples(): MemorySampleEvent[] {
    return this.ring.toArray();
  }

  latest(): MemorySampleEvent | undefined {
    return this.ring.last();
  }

  async sampleOnce(): Promise<MemorySampleEvent> {
    const [system, server] = await Promise.all([this.options.readSystem?.() ?? readSystemMemory(this.platform), this.readServer()]);
    const sample: MemorySampleEvent = {
      type: 'memory.sample',
      time: new Date().toISOString(),
      server,
      system: { totalBytes: system.totalBytes, availableBytes: system.availableBytes, source: system.source },
      app: { rssBytes: process.memoryUsage.rss() },
    };
    this.ring.push(sample);
    this.events.emit('memory.sample', sample);
    return sample;
  }

  private async treeOf(root: number): Promise<readonly number[]> {
    const now = Date.now();
    if (this.tree !== null && this.tree.root === root && now - this.tree.at < this.treeRefreshMs) return this.tree.pids;
    const pids = this.platform === 'linux' ? await processTreeLinux(root) : await processTreeMacos(root);
    this.tree = { root, pids, at: now };
    return pids;
  }

  private async readServer(): Promise<MemorySampleEvent['server']> {
    const root = this.options.serverPid();
    if (root === null) {
      this.tree = null;
      this.footprint = null;
      return null;
    }
    const pids = await this.treeOf(root);
    if (this.platform === 'linux') {
      const sizes = await Promise.all(pids.map(async (pid) => ({ pid, rss: await readRssLinux(pid) })));
      const alive = sizes.filter((s): s is { pid: number; rss: number } => s.rss !== null);
      if (alive.length === 0) return null;
      return { pids: alive.map((s) => s.pid), bytes: alive.reduce((sum, s) => sum + s.rss, 0), source: 'proc-rss' };
    }
    if (this.platform === 'darwin') return this.readServerMacos(root, pids);
    return null;
  }

  /** macOS: the last top(1) footprint if recent, refreshed in the background; ps RSS until the first one. */
  private async readServerMacos(root: number, pids: readonly number[]): Promise<MemorySampleEvent['server']> {
    const now = Date.now();
    const stale = this.footprint === null || this.footprint.root !== root || now - this.footprint.at >= this.footprintRefreshMs;
    if (stale && !this.footprintRunning) {
      this.footprintRunning = true;
      void readFootprintsMacos(pids)
        .then((sizes) => {
          if (sizes !== null) {
            const found = pids.filter((pid) => sizes.has(pid));
            this.footprint = { root, pids: found, bytes: found.reduce((sum, pid) => sum + (sizes.get(pid) ?? 0), 0), at: Date.now() };
          }
        })
        .finally(() => {
          this.footprintRunning = false;
        });
    }
    if (this.footprint !== null && this.footprint.root === root && this.footprint.pids.length > 0) {
      return { pids: this.footprint.pids, bytes: this.footprint.bytes, source: 'macos-footprint' };
    }
    const rss = await readRssMacos(pids);
    if (rss.size === 0) return null;
    return { pids: [...rss.keys()], bytes: [...rss.values()].reduce((a, b) => a + b, 0), source: 'ps-rss' };
  }
}
