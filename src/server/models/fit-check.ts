import { formatBytes } from '../../api/format-bytes.js';

type FitVerdict = 'fits' | 'tight' | 'too-large';

export interface FitInput {
  readonly weightsBytes: number;
  /** KV bytes per token × context tokens (null when unknown: a fixed allowance is used). */
  readonly kvBytes: number | null;
  readonly totalBytes: number;
  readonly availableBytes: number;
  readonly platform: NodeJS.Platform;
}

export interface FitResult {
  readonly verdict: FitVerdict;
  readonly needBytes: number;
  readonly weightsBytes: number;
  readonly kvBytes: number;
  readonly overheadBytes: number;
  readonly limitBytes: number;
  readonly availableBytes: number;
  readonly message: string;
}

const GiB = 1024 ** 3;
/** Python, transformers and the tokenizer: ~0.3–0.5 GB measured around an mlx_lm.server. */
export const RUNTIME_OVERHEAD_BYTES = 0.5 * GiB;
/** Left free for the system and the app when judging "available now". */
export const HEADROOM_BYTES = 1 * GiB;
/** When config.json says nothing about attention: a 7B-class model's KV at ~16k tokens. */
const UNKNOWN_KV_BYTES = 1 * GiB;

/**
 * Will a model fit? weights + KV cache for the context we will use + the runtime's own overhead,
 * against what the machine has. Pure: the caller measures, this decides and explains.
 *
 * - `too-large`: more than the machine can ever give it (on macOS, Metal caps a process's GPU
 *   working set at roughly 3/4 of RAM by default), so starting it would only thrash or crash.
 * - `tight`: it would fit in this machine but not in what is available right now (plus headroom):
 *   starting it pushes the system into swap. A warning, not a refusal.
 */
export function checkFit(input: FitInput): FitResult {
  const kvBytes = input.kvBytes ?? UNKNOWN_KV_BYTES;
  const needBytes = input.weightsBytes + kvBytes + RUNTIME_OVERHEAD_BYTES;
  const limitBytes = input.platform === 'darwin' ? input.totalBytes * 0.75 : input.totalBytes * 0.9;
  const parts = `weights ${formatBytes(input.weightsBytes)} + KV cache ${formatBytes(kvBytes)} + runtime ${formatBytes(RUNTIME_OVERHEAD_BYTES)} = ${formatBytes(needBytes)}`;
  const base = {
    needBytes,
    weightsBytes: input.weightsBytes,
    kvBytes,
    overheadBytes: RUNTIME_OVERHEAD_BYTES,
    limitBytes,
    availableBytes: input.availableBytes,
  };
  if (needBytes > limitBytes) {
    return {
      ...base,
      verdict: 'too-large',
      message: `The model needs about ${formatBytes(needBytes)} (${parts}), more than this machine can give one process (${formatBytes(limitBytes)} of ${formatBytes(input.totalBytes)}). Pick a smaller model (e.g. a 4-bit or fewer-parameter one).`,
    };
  }
  if (needBytes + HEADROOM_BYTES > input.availableBytes) {
    return {
      ...base,
      verdict: 'tight',
      message: `The model needs about ${formatBytes(needBytes)} (${parts}) but only ${formatBytes(input.availableBytes)} is available now: expect swapping. Close other apps or pick a smaller model.`,
    };
  }
  return {
    ...base,
    verdict: 'fits',
    message: `Needs about ${formatBytes(needBytes)} (${parts}); ${formatBytes(input.availableBytes)} available.`,
  };
}

/** Context the KV cache must hold: a prompt and a reply per concurrent request. */
export function contextTokens(agent: {
  readonly max_prompt_tokens: number;
  readonly max_tokens_per_turn: number;
  readonly llm_concurrency: number | 'auto';
}): number {
  // With `auto` the scheduler admits further turns only while memory allows, so the start needs room for one.
  const concurrent = agent.llm_concurrency === 'auto' ? 1 : agent.llm_concurrency;
  return (agent.max_prompt_tokens + agent.max_tokens_per_turn) * concurrent;
}
