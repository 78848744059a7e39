import { z } from 'zod';

/**
 * factory.yaml, seed-compatible. Defaults are the seed's (multi-agent-mlx); the keys the seed did not
 * have (max_prompt_tokens, llm_concurrency, workspace.*, sandbox.*) are ours. Every object is strict:
 * a typo in a key is an error, not a silently ignored setting.
 */
const positiveInt = z.int().positive();
const nonNegativeNumber = z.number().nonnegative();

const serverConfigSchema = z.strictObject({
  model: z.string().min(1).default('mlx-community/Qwen2.5-Coder-7B-Instruct-4bit'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(1).max(65535).default(8080),
  /** A python with mlx_lm installed; null = discover (the app's venv, then PATH). */
  python: z.string().min(1).nullable().default(null),
  idle_unload_minutes: nonNegativeNumber.default(30),
  /**
   * An OpenAI-compatible server to use instead of the app's own mlx_lm.server (LM Studio, vLLM,
   * mlx_lm.server on a bigger Mac); null = the app's own. `model` is then the model asked of it.
   */
  url: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL such as http://192.168.1.20:8080')
    .nullable()
    .default(null),
  /** The NAME of an environment variable holding the server's API key (on macOS, else a keychain item of that name). Never the key itself. */
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as LMSTUDIO_API_KEY')
    .nullable()
    .default(null),
  /**
   * A small model of the same tokenizer family for speculative decoding (e.g. Qwen2.5-Coder 0.5B
   * for 7B/14B/32B). Used only while one session runs: mlx_lm.server turns batching off with a
   * draft, so with several sessions the server runs without it (DESIGN, "Serving").
   */
  draft_model: z.string().min(1).nullable().default(null),
  num_draft_tokens: z.int().min(1).max(16).default(3),
  /** Extra folders holding MLX models (each a model folder or a folder of them), listed beside the HF cache and LM Studio's folder. */
  model_dirs: z.array(z.string().min(1)).default([]),
  /** Memory kept free for the rest of the Mac, in GB; null = the larger of 2 GB and 15 % of RAM. Turns wait rather than go below it. */
  memory_floor_gb: z.number().positive().nullable().default(null),
});

/** `auto`: the app's own mlx_lm.server takes as many turns as memory admits (up to its decode concurrency); a server at a URL takes 1. */
const llmConcurrencySchema = z.union([positiveInt, z.literal('auto')]);

export const agentConfigSchema = z.strictObject({
  max_attempts: positiveInt.default(5),
  /** Seconds a check may run before its whole process tree is killed. */
  execution_timeout: z.number().positive().default(60),
  /** Seconds a model turn may take before the request is aborted. */
  llm_timeout: z.number().positive().default(120),
  max_tokens_per_turn: positiveInt.default(8192),
  total_token_budget: positiveInt.default(100_000),
  temperature: z.number().min(0).max(2).default(0),
  stagnation_threshold: z.int().min(2).default(3),
  max_prompt_tokens: z.int().min(500).default(6000),
  llm_concurrency: llmConcurrencySchema.default('auto'),
  /** The Coder first writes acceptance tests; only tests that fail on the base are kept, and PASS needs them. */
  tests_first: z.boolean().default(false),
  /** A fast syntax check of the touched files after each edit, in the sandbox; an error goes back to the Coder without spending an attempt. */
  lint_on_edit: z.boolean().default(true),
  /** Best of K: sibling sessions on one task, the first to pass wins (1 = a single session). */
  best_of: z.int().min(1).max(8).default(1),
});

const workspaceConfigSchema = z.strictObject({
  /** A shell command run in each new worktree (e.g. `npm ci`). */
  setup: z.string().min(1).nullable().default(null),
  /** Ignored files (e.g. `.env`) copied from the checkout into each new worktree. */
  include: z.array(z.string().min(1)).default([]),
  /** "Open in editor": the command as an argument list, the worktree appended (null = `code`, else `open -a "Visual Studio Code"` on a Mac). Read from the user's own file only. */
  editor: z.array(z.string().min(1)).min(1).nullable().default(null),
  /**
   * The session's app (e.g. `npm run dev`), started only by the user's "Run" in the session's worktree,
   * in the sandbox with the network, with PORT set to a free port of the session's own range (#21).
   */
  run: z.string().min(1).nullable().default(null),
});

const sandboxConfigSchema = z.strictObject({
  /** Refuse to run checks when no OS sandbox is available instead of warning. */
  require: z.boolean().default(false),
  /** Memory a check may use, in MB; null = min(4096, half of the RAM). Enforced where the OS allows (SECURITY.md). */
  max_memory_mb: z.int().min(16).nullable().default(null),
  /** Processes (and threads) a check may run at once. */
  max_processes: z.int().min(8).default(512),
});

export const factoryConfigSchema = z.strictObject({
  server: serverConfigSchema.prefault({}),
  agent: agentConfigSchema.prefault({}),
  workspace: workspaceConfigSchema.prefault({}),
  sandbox: sandboxConfigSchema.prefault({}),
});

export type FactoryConfig = z.infer<typeof factoryConfigSchema>;
export type AgentConfig = FactoryConfig['agent'];
export type WorkspaceConfig = FactoryConfig['workspace'];

export function defaultConfig(): FactoryConfig {
  return factoryConfigSchema.parse({});
}
