// What the tests need beyond npm: a Python venv with mlx + mlx-lm, a tiny local model, and (on
// Linux) chromium and bubblewrap. `node scripts/setup-test-deps.mjs` installs them and records
// them in .cache/test-deps.json; this module reads that file for the tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');
export const TEST_DEPS_FILE = path.join(CACHE_DIR, 'test-deps.json');
/** An existing, empty Hugging Face hub cache, so mlx_lm.server's GET /v1/models works offline. */
export const HF_EMPTY_CACHE = path.join(CACHE_DIR, 'hf-hub-empty');
export const SETUP_COMMAND = 'node scripts/setup-test-deps.mjs';

const TestDepsSchema = z.object({
  python: z.string().nullable(),
  model: z.string().nullable(),
  chromium: z.string().nullable(),
  bwrap: z.string().nullable(),
  mlxLmVersion: z.string().nullable(),
  mlxVersion: z.string().nullable(),
});

export interface TestDeps {
  /** Absolute path of the venv's python, which has mlx and mlx-lm. */
  python: string;
  /** Absolute path of the tiny model directory (pass it to --model). */
  model: string;
  /** Absolute path of chromium, or null where it is not used (macOS). */
  chromium: string | null;
  /** Absolute path of bwrap, or null where it is not used (macOS). */
  bwrap: string | null;
  mlxLmVersion: string;
  mlxVersion: string;
}

/** What the tiny model answers; written by tests/support/tiny-model/make_tiny_model.py. */
export interface TinyModelInfo {
  /** The text of every chat completion (greedy or low temperature): "Hello from the tiny model!" */
  reply: string;
  reply_token_ids: number[];
  /** usage.completion_tokens of a full reply (the reply tokens plus the EOS token). */
  completion_tokens: number;
  eos_token_id: number;
  vocab_size: number;
}

function missing(what: string, detail: string): Error {
  return new Error(
    `Missing test dependency: ${what}: ${detail}. ` +
      `Install the test dependencies with \`${SETUP_COMMAND}\` (or run \`npm test\`, which does it first).`,
  );
}

function requireLinux(): boolean {
  return process.platform === 'linux';
}

/** Reads .cache/test-deps.json; throws an Error naming the missing dependency and the fix. */
export function testDeps(): TestDeps {
  let raw: string;
  try {
    raw = fs.readFileSync(TEST_DEPS_FILE, 'utf8');
  } catch {
    throw missing('the test dependencies record', `${TEST_DEPS_FILE} does not exist`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw missing('the test dependencies record', `${TEST_DEPS_FILE} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = TestDepsSchema.safeParse(json);
  if (!parsed.success) {
    throw missing('the test dependencies record', `${TEST_DEPS_FILE} is malformed: ${parsed.error.message}`);
  }
  const d = parsed.data;

  const need = (what: string, p: string | null, file?: string): string => {
    if (!p) throw missing(what, `not recorded in ${TEST_DEPS_FILE}`);
    const full = file ? path.join(p, file) : p;
    if (!fs.existsSync(full)) throw missing(what, `${full} does not exist`);
    return p;
  };
  const python = need('Python venv with mlx-lm', d.python);
  const model = need('tiny model', d.model, 'config.json');
  need('tiny model', d.model, 'model.safetensors');
  const chromium = requireLinux() ? need('chromium (Debian package chromium)', d.chromium) : d.chromium;
  const bwrap = requireLinux() ? need('bwrap (Debian package bubblewrap)', d.bwrap) : d.bwrap;
  if (!d.mlxLmVersion || !d.mlxVersion) throw missing('Python venv with mlx-lm', 'mlx versions not recorded');
  return { python, model, chromium, bwrap, mlxLmVersion: d.mlxLmVersion, mlxVersion: d.mlxVersion };
}

/** The tiny model's expected behaviour (reads <model>/tiny_model_info.json). */
export function tinyModelInfo(deps: TestDeps = testDeps()): TinyModelInfo {
  const file = path.join(deps.model, 'tiny_model_info.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as TinyModelInfo;
  } catch (e) {
    throw missing('tiny model', `cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * The environment for spawning mlx_lm.server (or any mlx-lm code) in tests: offline hub flags and
 * an existing empty HF_HUB_CACHE (without one, GET /v1/models answers 200 with an empty body).
 */
export function mlxServerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  fs.mkdirSync(HF_EMPTY_CACHE, { recursive: true });
  return {
    ...base,
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_HUB_CACHE: HF_EMPTY_CACHE,
    PYTHONUNBUFFERED: '1',
  };
}

/**
 * A draft model for the tiny model (#17, speculative decoding): the same tokenizer, one layer, the
 * same answers (tests/support/tiny-model/make_draft_model.py), written into `dir`.
 */
export function makeTinyDraftModel(dir: string, deps: TestDeps = testDeps()): string {
  const script = path.join(REPO_ROOT, 'tests', 'support', 'tiny-model', 'make_draft_model.py');
  const result = spawnSync(deps.python, [script, deps.model, dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`make_draft_model.py failed: ${result.stderr || result.stdout}`);
  return dir;
}
