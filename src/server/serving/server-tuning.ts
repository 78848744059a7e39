import { formatBytes } from '../../api/format-bytes.js';
import { memoryFloorBytes } from '../memory/memory-floor.js';

/**
 * The batching and cache flags our mlx_lm.server is started with, chosen from the machine's
 * memory. mlx_lm.server's defaults (32 decoding sequences, 8 prefilling, an unbounded prompt
 * cache) assume a big GPU box; on a 16 GB Mac 32 live 14k-token KV caches of a 7B model would
 * swap, so the supervisor sizes them to what is left after the weights and the floor.
 */
export interface ServerTuning {
  readonly decodeConcurrency: number;
  readonly promptConcurrency: number;
  readonly promptCacheBytes: number;
  /** One line, for the log and the status: what was chosen and from what. */
  readonly summary: string;
}

export interface TuningInput {
  readonly totalBytes: number;
  readonly weightsBytes: number | null;
  /** The model's KV bytes per token (null when its config does not say). */
  readonly kvBytesPerToken: number | null;
  /** A turn's tokens at most: max_prompt_tokens + max_tokens_per_turn. */
  readonly tokensPerTurn: number;
  readonly floorGb?: number | null;
}

const MB = 1024 ** 2;
const GB = 1024 ** 3;
/** mlx_lm.server's own default, the most we ever ask for. */
const MAX_DECODE = 32;
/** Python, transformers and mlx's buffers besides the weights (measured ~0.5 GB with the tiny model). */
const RUNTIME_OVERHEAD = 512 * MB;
/** A 7B 4-bit model's KV per token (28 layers × 4 KV heads × 128 × 2 × fp16), when the config is silent. */
const FALLBACK_KV_PER_TOKEN = 57_344;

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

export function chooseServerTuning(input: TuningInput): ServerTuning {
  const floor = memoryFloorBytes(input.totalBytes, input.floorGb ?? null);
  const weights = input.weightsBytes ?? 0;
  const spare = Math.max(0, input.totalBytes - floor - weights - RUNTIME_OVERHEAD);
  const turnBytes = (input.kvBytesPerToken ?? FALLBACK_KV_PER_TOKEN) * input.tokensPerTurn;
  // Half of what is spare for live sequences, half for the prompt cache that makes later attempts cheap.
  const decodeConcurrency = clamp(Math.floor(spare / 2 / Math.max(1, turnBytes)), 1, MAX_DECODE);
  // Prefill is compute-bound: more than a few prompts at once only delays every first token.
  const promptConcurrency = clamp(Math.min(decodeConcurrency, 4), 1, 8);
  const promptCacheBytes = clamp(Math.floor(spare / 2), 256 * MB, 64 * GB);
  return {
    decodeConcurrency,
    promptConcurrency,
    promptCacheBytes,
    summary:
      `--decode-concurrency ${decodeConcurrency} --prompt-concurrency ${promptConcurrency} --prompt-cache-bytes ${formatBytes(promptCacheBytes)} ` +
      `(RAM ${formatBytes(input.totalBytes)}, weights ${input.weightsBytes === null ? 'unknown' : formatBytes(weights)}, ` +
      `floor ${formatBytes(floor)}, ~${formatBytes(turnBytes)} KV per turn)`,
  };
}

/** The flags as mlx_lm.server takes them (`--prompt-cache-bytes` accepts a plain byte count). */
export function tuningArgs(tuning: ServerTuning): string[] {
  return [
    '--decode-concurrency',
    String(tuning.decodeConcurrency),
    '--prompt-concurrency',
    String(tuning.promptConcurrency),
    '--prompt-cache-bytes',
    String(tuning.promptCacheBytes),
  ];
}
