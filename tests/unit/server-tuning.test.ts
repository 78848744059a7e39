import { describe, expect, it } from 'vitest';
import { memoryFloorBytes } from '../../src/server/memory/memory-floor.js';
import { parsePromptCacheLine } from '../../src/server/serving/prompt-cache-line.js';
import { chooseServerTuning, tuningArgs } from '../../src/server/serving/server-tuning.js';

const GB = 1024 ** 3;

describe('memory floor', () => {
  it('is the larger of 2 GB and 15 % of RAM, unless configured', () => {
    expect(memoryFloorBytes(8 * GB)).toBe(2 * GB);
    expect(memoryFloorBytes(64 * GB)).toBe(Math.round(64 * GB * 0.15));
    expect(memoryFloorBytes(64 * GB, 4)).toBe(4 * GB);
  });
});

describe('server tuning', () => {
  // Qwen2.5-Coder-7B 4-bit: ~4.3 GB weights, 28 layers × 4 KV heads × 128 dims × 2 × fp16 = 57 kB per token.
  const seven = { weightsBytes: 4.3 * GB, kvBytesPerToken: 57_344, tokensPerTurn: 6000 + 8192 };

  it('gives a 16 GB Mac a few sequences and a bounded cache, a 64 GB Mac more, never above 32', () => {
    const small = chooseServerTuning({ totalBytes: 16 * GB, ...seven });
    const big = chooseServerTuning({ totalBytes: 64 * GB, ...seven });
    expect(small.decodeConcurrency).toBeGreaterThanOrEqual(1);
    expect(small.decodeConcurrency).toBeLessThan(big.decodeConcurrency);
    expect(big.decodeConcurrency).toBeLessThanOrEqual(32);
    expect(small.promptCacheBytes).toBeLessThan(big.promptCacheBytes);
    // Weights + floor + live sequences + cache stay inside RAM.
    const live = small.decodeConcurrency * seven.kvBytesPerToken * seven.tokensPerTurn;
    expect(seven.weightsBytes + memoryFloorBytes(16 * GB) + live + small.promptCacheBytes).toBeLessThanOrEqual(16 * GB);
    expect(small.promptConcurrency).toBeLessThanOrEqual(small.decodeConcurrency);
  });

  it('still serves one turn when the model barely fits, and says what it chose', () => {
    const t = chooseServerTuning({ totalBytes: 8 * GB, weightsBytes: 7 * GB, kvBytesPerToken: 57_344, tokensPerTurn: 14_192 });
    expect(t.decodeConcurrency).toBe(1);
    expect(t.promptConcurrency).toBe(1);
    expect(t.summary).toMatch(/^--decode-concurrency 1 --prompt-concurrency 1 --prompt-cache-bytes .* \(RAM 8(\.0)? GB/);
    expect(tuningArgs(t)).toEqual([
      '--decode-concurrency',
      '1',
      '--prompt-concurrency',
      '1',
      '--prompt-cache-bytes',
      String(t.promptCacheBytes),
    ]);
  });
});

describe("mlx_lm.server's prompt cache line", () => {
  it('reads sequences and bytes (decimal GB, as the server prints them)', () => {
    expect(parsePromptCacheLine('2026-12-06 21:00:00,123 - INFO - Prompt Cache: 3 sequences, 0.25 GB')).toEqual({
      sequences: 3,
      bytes: 250_000_000,
    });
    expect(parsePromptCacheLine('127.0.0.1 - - "POST /v1/chat/completions HTTP/1.1" 200 -')).toBeNull();
  });
});
