import { formatBytes } from '../../api/format-bytes.js';
import type { MemorySampleEvent } from '../../api/server-events.js';
import type { AdmissionGate } from '../../llm/llm-scheduler.js';

/** What the gate reads: the sampler's latest figure and its stream of samples. */
export interface MemoryReadings {
  latest(): MemorySampleEvent | undefined;
  on(type: 'memory.sample', listener: (sample: MemorySampleEvent) => void): () => void;
}

export interface MemoryAdmissionOptions {
  readonly memory: MemoryReadings;
  /** Bytes kept free for the rest of the Mac (memoryFloorBytes). */
  readonly floorBytes: number;
  /** KV bytes one more turn can take while it runs: per-token KV × (max_prompt_tokens + max_tokens_per_turn). */
  readonly turnBytes: number;
  /** The server's prompt cache as it last logged it (`Prompt Cache: N sequences, X GB`); null before the first request. */
  readonly promptCacheBytes?: () => number | null;
  /** The cap the server was started with (--prompt-cache-bytes); null: unbounded. */
  readonly promptCacheCap?: number | null;
}

/**
 * Memory-aware admission (#17): another concurrent turn starts only if the free memory, less what
 * that turn may add, stays above the floor — so parallel sessions never push the Mac into swap.
 *
 * What a turn may add: its live KV (`turnBytes`), and, once it ends, its prefix kept in the prompt
 * cache — which grows only up to its cap, so with the cap known the cache's measured size says how
 * much of that can still come.
 */
export class MemoryAdmission implements AdmissionGate {
  /**
   * Turns granted since the latest sample: a sample taken before a turn started cannot show its
   * memory yet, so each of them is charged its expected growth until the next sample arrives.
   */
  private unseen = 0;

  constructor(private readonly options: MemoryAdmissionOptions) {
    options.memory.on('memory.sample', () => {
      this.unseen = 0;
    });
  }

  granted(): void {
    this.unseen += 1;
  }

  expectedGrowth(): number {
    const { turnBytes, promptCacheCap } = this.options;
    const cached = this.options.promptCacheBytes?.() ?? null;
    const cacheRoom = promptCacheCap == null || cached === null ? turnBytes : Math.max(0, Math.min(turnBytes, promptCacheCap - cached));
    return turnBytes + cacheRoom;
  }

  check(running: number): { admit: true } | { admit: false; reason: string } {
    const sample = this.options.memory.latest();
    if (sample === undefined) return { admit: false, reason: 'no memory reading yet' };
    const free = sample.system.availableBytes;
    const growth = this.expectedGrowth();
    const pending = growth * this.unseen;
    if (free - pending - growth >= this.options.floorBytes) return { admit: true };
    return {
      admit: false,
      reason:
        `${formatBytes(free - pending)} free; one more turn beside ${running} running may take ~${formatBytes(growth)}, ` +
        `and ${formatBytes(this.options.floorBytes)} stays free so the Mac does not swap`,
    };
  }

  onChange(listener: () => void): () => void {
    return this.options.memory.on('memory.sample', () => listener());
  }
}
