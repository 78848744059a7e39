import type { FactoryConfig } from '../../config/config-schema.js';
import { LlmScheduler } from '../../llm/llm-scheduler.js';
import { RunServer } from '../ensure-server-for-run.js';
import { MemoryAdmission } from '../memory/memory-admission.js';
import { memoryFloorBytes } from '../memory/memory-floor.js';
import { MemorySampler } from '../memory/memory-sampler.js';
import type { CommandModelServer } from '../model-server.js';
import { parsePromptCacheLine } from './prompt-cache-line.js';

/** A 7B 4-bit model's KV per token when the model's config does not say (see server-tuning.ts). */
const FALLBACK_KV_PER_TOKEN = 57_344;

export interface ServingScheduler {
  readonly scheduler: LlmScheduler;
  /** How many turns at once, and why, for the run's first lines. */
  readonly summary: string;
  /** Stops the memory sampler (if any). */
  stop(): void;
}

/**
 * The scheduler for one command's sessions (#17, "Concurrency that fits the server"):
 * - our own mlx_lm.server with `llm_concurrency: auto`: up to its --decode-concurrency turns at
 *   once, each beyond the first admitted only while memory allows (MemoryAdmission);
 * - our own server with a number: that many, with the same memory admission;
 * - a server at a URL: the number the user set, else 1 — we cannot see its memory or batching.
 */
export function schedulerForServer(config: FactoryConfig, server: CommandModelServer, atLeast = 1): ServingScheduler {
  const setting = config.agent.llm_concurrency;
  if (!(server instanceof RunServer)) {
    const n = Math.max(atLeast, setting === 'auto' ? 1 : setting);
    return {
      scheduler: new LlmScheduler(n),
      summary: `${n} model turn${n === 1 ? '' : 's'} at a time (a server at a URL)`,
      stop: () => undefined,
    };
  }
  const { tuning, kvBytesPerToken } = server.serving;
  const supervisor = server.supervisor;
  let promptCache: number | null = null;
  const offLog = supervisor.on('server.log', (event) => {
    const reading = event.stream === 'server' ? parsePromptCacheLine(event.line) : null;
    if (reading !== null) promptCache = reading.bytes;
  });
  const sampler = new MemorySampler({ serverPid: () => supervisor.status.pid });
  sampler.start();
  const totalBytes = (): number => sampler.latest()?.system.totalBytes ?? 0;
  const gate = new MemoryAdmission({
    memory: sampler,
    get floorBytes() {
      return memoryFloorBytes(totalBytes(), config.server.memory_floor_gb);
    },
    turnBytes: (kvBytesPerToken ?? FALLBACK_KV_PER_TOKEN) * (config.agent.max_prompt_tokens + config.agent.max_tokens_per_turn),
    promptCacheBytes: () => promptCache,
    promptCacheCap: tuning.promptCacheBytes,
  });
  const n = Math.max(atLeast, setting === 'auto' ? tuning.decodeConcurrency : setting);
  return {
    scheduler: new LlmScheduler(n, gate),
    summary: `up to ${n} model turns at a time, each beyond the first only while memory stays above the floor`,
    stop: () => {
      offLog();
      sampler.stop();
    },
  };
}
