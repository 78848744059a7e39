import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What a model folder holds, as mlx_lm.load reads it (MLX-SERVER-NOTES.md §2): config.json and
 * weights matching `model*.safetensors`. From config.json we also estimate the KV cache per token.
 */
export interface ModelFolderCheck {
  readonly ok: boolean;
  /** Why it cannot be loaded, when !ok. */
  readonly problem: string | null;
  readonly weightsBytes: number;
}

export function checkModelFolder(dir: string): ModelFolderCheck {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return { ok: false, problem: `${dir} is not a readable folder`, weightsBytes: 0 };
  }
  if (!names.includes('config.json')) return { ok: false, problem: `${dir} has no config.json (not an MLX model folder)`, weightsBytes: 0 };
  const weights = names.filter((n) => /^model.*\.safetensors$/.test(n));
  if (weights.length === 0)
    return { ok: false, problem: `${dir} has no model*.safetensors weights (download incomplete?)`, weightsBytes: 0 };
  let bytes = 0;
  for (const name of weights) {
    try {
      bytes += fs.statSync(path.join(dir, name)).size; // follows the hub cache's symlinks
    } catch {
      return { ok: false, problem: `${path.join(dir, name)} is a dangling link (download incomplete?)`, weightsBytes: 0 };
    }
  }
  return { ok: true, problem: null, weightsBytes: bytes };
}

const attentionConfigSchema = z
  .object({
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive().nullish(),
    hidden_size: z.number().int().positive(),
    head_dim: z.number().int().positive().nullish(),
  })
  .loose();

/**
 * Bytes of KV cache per token of context: 2 (K and V) × layers × KV heads × head dim × 2 bytes
 * (fp16/bf16, mlx's cache dtype for these models). Null when config.json lacks the fields.
 */
export function kvBytesPerToken(config: unknown): number | null {
  const nested = z.object({ text_config: z.unknown() }).loose().safeParse(config);
  const source = nested.success && nested.data.text_config !== undefined ? nested.data.text_config : config;
  const parsed = attentionConfigSchema.safeParse(source);
  if (!parsed.success) return null;
  const c = parsed.data;
  const kvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  return 2 * c.num_hidden_layers * kvHeads * headDim * 2;
}

export function readModelConfig(dir: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as unknown;
  } catch {
    return null;
  }
}
