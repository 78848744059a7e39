import type { MemorySampleEvent, ServerEvent } from '../api/server-events.js';
import type { FactoryConfig } from '../config/config-schema.js';
import { LlmScheduler, type AdmissionGate } from '../llm/llm-scheduler.js';
import { MemoryAdmission, type MemoryReadings } from '../server/memory/memory-admission.js';
import { memoryFloorBytes } from '../server/memory/memory-floor.js';
import { parsePromptCacheLine, type PromptCacheReading } from '../server/serving/prompt-cache-line.js';

/** A 7B 4-bit model's KV per token when the model's config does not say (as scheduler-for-server.ts). */
const FALLBACK_KV_PER_TOKEN = 57_344;

/** What the app's own server was started with (null: sessions use a server at a URL). */
interface ServingFigures {
  readonly decodeConcurrency: number;
  readonly promptCacheBytes: number;
  readonly kvBytesPerToken: number | null;
}

export interface HostServingOptions {
  readonly config: () => FactoryConfig;
  readonly figures: () => ServingFigures | null;
  /** Tests: a memory source of their own; by default the samples the host's server control sends (observe). */
  readonly memory?: MemoryReadings | undefined;
}

type PromptCacheView = NonNullable<MemorySampleEvent['promptCache']>;

/**
 * The host's one LLM scheduler, shared by every session it runs (#17 part 3, as the CLI's
 * schedulerForServer): on the app's own mlx_lm.server, `llm_concurrency: auto` means up to its
 * --decode-concurrency turns at once, each beyond the first admitted only while free memory minus
 * the growth it expects stays above the floor (a held turn logs `turn.queued` reason 'memory', which
 * the UI shows as "waiting for memory"); on a server at a URL, the number set, else 1, and no
 * memory gate (its memory is not this machine's).
 *
 * It also follows the server's log for its prompt-cache size and the sessions' latest prompt sizes,
 * for the Memory view's "how much of the cache each session holds" (an estimate).
 */
export class HostServing {
  readonly scheduler: LlmScheduler;
  private cache: PromptCacheReading | null = null;
  private sample: MemorySampleEvent | undefined;
  private readonly sampleListeners = new Set<(sample: MemorySampleEvent) => void>();
  /** Running sessions' latest prompt tokens (turn.finished usage). */
  private readonly prompts = new Map<string, number>();
  /** A running group's size: its K turns at once, whatever the setting (as the CLI's run --best-of). */
  private atLeast = 1;

  constructor(private readonly options: HostServingOptions) {
    const memory: MemoryReadings = options.memory ?? {
      latest: () => this.sample,
      on: (_type, listener) => {
        this.sampleListeners.add(listener);
        return () => this.sampleListeners.delete(listener);
      },
    };
    const config = options.config;
    const figures = options.figures;
    const admission = new MemoryAdmission({
      memory,
      get floorBytes() {
        return memoryFloorBytes(memory.latest()?.system.totalBytes ?? 0, config().server.memory_floor_gb);
      },
      get turnBytes() {
        const agent = config().agent;
        return (figures()?.kvBytesPerToken ?? FALLBACK_KV_PER_TOKEN) * (agent.max_prompt_tokens + agent.max_tokens_per_turn);
      },
      promptCacheBytes: () => this.cache?.bytes ?? null,
      get promptCacheCap() {
        return figures()?.promptCacheBytes ?? null;
      },
    });
    // A server at a URL: this machine's memory says nothing about it (a test's own memory source still counts).
    const gate: AdmissionGate = {
      check: (running) => (options.memory === undefined && figures() === null ? { admit: true } : admission.check(running)),
      onChange: (listener) => admission.onChange(listener),
      granted: () => admission.granted(),
    };
    this.scheduler = new LlmScheduler(1, gate);
  }

  /** How many turns at once now (config and server may have changed since the last session started). */
  concurrency(): number {
    const setting = this.options.config().agent.llm_concurrency;
    const figures = this.options.figures();
    const n = setting === 'auto' ? (figures?.decodeConcurrency ?? 1) : setting;
    return Math.max(this.atLeast, n);
  }

  /** The scheduler for a session (or a group of `size`) about to start, with its concurrency brought up to date. */
  schedulerFor(size = 1): LlmScheduler {
    this.atLeast = Math.max(this.atLeast, size);
    this.scheduler.setConcurrency(this.concurrency());
    return this.scheduler;
  }

  /** The host's server events: memory samples (the default memory source) and the prompt-cache lines. */
  observe(event: ServerEvent): void {
    if (event.type === 'server.log' && event.stream === 'server') {
      const reading = parsePromptCacheLine(event.line);
      if (reading !== null) this.cache = reading;
    } else if (event.type === 'memory.sample') {
      this.sample = event;
      for (const listener of [...this.sampleListeners]) listener(event);
    } else if (event.type === 'server.state' && (event.state === 'stopped' || event.state === 'unloaded' || event.state === 'crashed')) {
      this.cache = null; // a new process starts with an empty cache
    }
  }

  /** A running session's turn ended with this many prompt tokens. */
  promptTokens(sessionId: string, tokens: number): void {
    this.prompts.set(sessionId, tokens);
  }

  /** The sessions running now: the others' prompts are no longer counted; none running resets a group's minimum. */
  running(ids: readonly string[]): void {
    for (const id of [...this.prompts.keys()]) if (!ids.includes(id)) this.prompts.delete(id);
    if (ids.length === 0) this.atLeast = 1;
  }

  /**
   * The cache and each running session's estimated part of it: its latest prompt × KV bytes per token
   * when the model says, else its share by tokens — never more than the cache itself.
   */
  promptCacheView(): PromptCacheView | undefined {
    if (this.cache === null) return undefined;
    const { bytes, sequences } = this.cache;
    const kv = this.options.figures()?.kvBytesPerToken ?? null;
    const total = [...this.prompts.values()].reduce((a, b) => a + b, 0);
    const sessions = [...this.prompts].map(([id, promptTokens]) => ({
      id,
      promptTokens,
      bytes: Math.min(bytes, kv !== null ? promptTokens * kv : total === 0 ? 0 : (bytes * promptTokens) / total),
    }));
    return { bytes, sequences, sessions };
  }
}
