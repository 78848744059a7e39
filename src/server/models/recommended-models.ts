/**
 * The seed's table of models (multi-agent-mlx README), with the memory each needs. The seed
 * labelled the largest "32B-8bit, ~18 GB"; ~18 GB is the 4-bit size (8-bit weights of 32B
 * parameters are ~35 GB), so the 4-bit repo is listed to keep the seed's memory figures true.
 */
export interface RecommendedModel {
  readonly id: string;
  readonly label: string;
  /** Approximate weights on disk / in memory. */
  readonly weightsBytes: number;
  /** The smallest Mac memory the seed recommends it for. */
  readonly minMachineBytes: number;
  readonly note: string;
  readonly isDefault: boolean;
  /**
   * A small model of the same tokenizer family for speculative decoding (`server.draft_model`, #17):
   * mlx_lm.server needs the draft's vocabulary to match. Used only while one session runs.
   */
  readonly draft?: string;
}

/** Qwen2.5-Coder 0.5B shares the Qwen2.5 tokenizer (vocabulary 151,665) with the 7B, 14B and 32B. */
const QWEN_CODER_DRAFT = 'mlx-community/Qwen2.5-Coder-0.5B-Instruct-4bit';

const GB = 1024 ** 3;

export const RECOMMENDED_MODELS: readonly RecommendedModel[] = [
  {
    id: 'mlx-community/Qwen2.5-Coder-1.5B-Instruct-4bit',
    label: 'Qwen2.5 Coder 1.5B (4-bit)',
    weightsBytes: 1 * GB,
    minMachineBytes: 8 * GB,
    note: 'Fast but less capable',
    isDefault: false,
  },
  {
    id: 'mlx-community/Qwen2.5-Coder-7B-Instruct-4bit',
    label: 'Qwen2.5 Coder 7B (4-bit)',
    weightsBytes: 4 * GB,
    minMachineBytes: 16 * GB,
    note: 'Default, best for 16 GB',
    isDefault: true,
    draft: QWEN_CODER_DRAFT,
  },
  {
    id: 'mlx-community/Qwen2.5-Coder-14B-Instruct-4bit',
    label: 'Qwen2.5 Coder 14B (4-bit)',
    weightsBytes: 8 * GB,
    minMachineBytes: 32 * GB,
    note: 'Better quality, needs 32 GB+',
    isDefault: false,
    draft: QWEN_CODER_DRAFT,
  },
  {
    id: 'mlx-community/Qwen2.5-Coder-32B-Instruct-4bit',
    label: 'Qwen2.5 Coder 32B (4-bit)',
    weightsBytes: 18 * GB,
    minMachineBytes: 64 * GB,
    note: 'Best quality, needs 64 GB+',
    isDefault: false,
    draft: QWEN_CODER_DRAFT,
  },
];
