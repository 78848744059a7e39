import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config-schema.js';
import { FactoryError } from '../../src/errors/factory-error.js';
import { formatBytes } from '../../src/api/format-bytes.js';
import { checkFit, contextTokens, HEADROOM_BYTES, RUNTIME_OVERHEAD_BYTES } from '../../src/server/models/fit-check.js';
import { hfCacheDir, repoIdFromFolder, snapshotDir } from '../../src/server/models/hf-cache.js';
import { listLocalModels } from '../../src/server/models/local-models.js';
import { checkModelFolder, kvBytesPerToken } from '../../src/server/models/model-folder.js';
import { RECOMMENDED_MODELS } from '../../src/server/models/recommended-models.js';
import { resolveModel } from '../../src/server/models/resolve-model.js';

const GiB = 1024 ** 3;
let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'server-models-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const QWEN_7B_CONFIG = {
  model_type: 'qwen2',
  hidden_size: 3584,
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  intermediate_size: 18944,
  vocab_size: 152064,
};

function writeModelFolder(dir: string, weights: Record<string, number>, config: object = QWEN_7B_CONFIG): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
  for (const [name, size] of Object.entries(weights)) {
    const fd = fs.openSync(path.join(dir, name), 'w');
    fs.ftruncateSync(fd, size); // sparse: the size is what matters, not the bytes
    fs.closeSync(fd);
  }
}

/** The hub cache layout: blobs, a snapshot of symlinks into them, refs/main. */
function writeHubRepo(cache: string, repoId: string, files: Record<string, string | number>): string {
  const repoDir = path.join(cache, `models--${repoId.replace('/', '--')}`);
  const commit = 'a'.repeat(40);
  const snapshot = path.join(repoDir, 'snapshots', commit);
  fs.mkdirSync(path.join(repoDir, 'blobs'), { recursive: true });
  fs.mkdirSync(snapshot, { recursive: true });
  fs.mkdirSync(path.join(repoDir, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(repoDir, 'refs', 'main'), commit);
  let n = 0;
  for (const [name, content] of Object.entries(files)) {
    const blob = path.join(repoDir, 'blobs', `blob${n++}`);
    if (typeof content === 'number') {
      const fd = fs.openSync(blob, 'w');
      fs.ftruncateSync(fd, content);
      fs.closeSync(fd);
    } else fs.writeFileSync(blob, content);
    fs.symlinkSync(path.relative(snapshot, blob), path.join(snapshot, name));
  }
  return snapshot;
}

describe('Hugging Face cache', () => {
  it('finds the cache the way huggingface_hub does', () => {
    expect(hfCacheDir({ HF_HUB_CACHE: '/x/hub' }, '/home/u')).toBe('/x/hub');
    expect(hfCacheDir({ HF_HOME: '/x/hf' }, '/home/u')).toBe('/x/hf/hub');
    expect(hfCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe('/x/cache/huggingface/hub');
    expect(hfCacheDir({}, '/home/u')).toBe('/home/u/.cache/huggingface/hub');
    expect(repoIdFromFolder('models--mlx-community--Qwen2.5-Coder-7B-Instruct-4bit')).toBe('mlx-community/Qwen2.5-Coder-7B-Instruct-4bit');
    expect(repoIdFromFolder('datasets--x--y')).toBeNull();
  });

  it('lists cached models with their size on disk and whether they load', () => {
    const cache = path.join(root, 'hub');
    const snapshot = writeHubRepo(cache, 'mlx-community/Tiny-4bit', {
      'config.json': JSON.stringify(QWEN_7B_CONFIG),
      'model.safetensors': 3000,
    });
    writeHubRepo(cache, 'someone/half-downloaded', { 'config.json': '{}' });
    writeHubRepo(cache, 'someone/tokenizer-only', { 'tokenizer.json': '{}' });
    const folder = path.join(root, 'models');
    writeModelFolder(path.join(folder, 'local-a'), { 'model-00001-of-00002.safetensors': 1000, 'model-00002-of-00002.safetensors': 500 });

    const models = listLocalModels({ env: { HF_HUB_CACHE: cache }, folders: [folder] });
    expect(models.map((m) => [m.id, m.source, m.loadable])).toEqual([
      ['mlx-community/Tiny-4bit', 'hf-cache', true],
      ['someone/half-downloaded', 'hf-cache', false],
      [path.join(folder, 'local-a'), 'folder', true],
    ]);
    expect(models[0]?.path).toBe(snapshot);
    expect(models[0]?.sizeBytes).toBe(3000 + JSON.stringify(QWEN_7B_CONFIG).length);
    expect(models[1]?.problem).toMatch(/no model\*\.safetensors/);
    expect(models[2]?.sizeBytes).toBeGreaterThanOrEqual(1500);
    expect(snapshotDir(cache, 'not/there')).toBeNull();
  });
});

describe('resolving server.model', () => {
  it('gives a folder as an absolute path (relative ones against the cwd)', () => {
    writeModelFolder(path.join(root, 'm'), { 'model.safetensors': 4096 });
    const resolved = resolveModel('./m', { cwd: root });
    expect(resolved).toMatchObject({ arg: path.join(root, 'm'), source: 'folder', weightsBytes: 4096 });
    expect(path.isAbsolute(resolved.arg)).toBe(true);
  });

  it('keeps a cached repo id as it is (the server finds it offline)', () => {
    const cache = path.join(root, 'hub');
    const snapshot = writeHubRepo(cache, 'mlx-community/Tiny-4bit', {
      'config.json': JSON.stringify(QWEN_7B_CONFIG),
      'model.safetensors': 2048,
    });
    expect(resolveModel('mlx-community/Tiny-4bit', { cwd: root, env: { HF_HUB_CACHE: cache } })).toMatchObject({
      arg: 'mlx-community/Tiny-4bit',
      dir: snapshot,
      source: 'hf-cache',
      weightsBytes: 2048,
    });
  });

  it('explains a missing folder, a folder that is no model, and a repo that is not downloaded', () => {
    const fail = (model: string): FactoryError => {
      try {
        resolveModel(model, { cwd: root, env: { HF_HUB_CACHE: path.join(root, 'empty-hub') } });
      } catch (error) {
        if (error instanceof FactoryError) return error;
        throw error;
      }
      throw new Error('did not fail');
    };
    expect(fail('./nope').message).toMatch(/does not exist/);
    expect(fail('./nope').code).toBe('MODEL_NOT_FOUND');
    expect(fail('./nope').isInputError).toBe(true);
    fs.mkdirSync(path.join(root, 'notamodel'));
    expect(fail('./notamodel').message).toMatch(/no config\.json/);
    expect(fail('mlx-community/Not-Here').message).toMatch(
      /not downloaded.*Download it with `mlx-factory models pull mlx-community\/Not-Here` \(or `hf download mlx-community\/Not-Here`\)/s,
    );
    expect(fail('what is this').message).toMatch(/neither an existing folder nor a Hugging Face repo id/);
  });

  it('flags weights that are dangling links (an interrupted download)', () => {
    const dir = path.join(root, 'broken');
    writeModelFolder(dir, {});
    fs.symlinkSync(path.join(root, 'gone'), path.join(dir, 'model.safetensors'));
    expect(checkModelFolder(dir).problem).toMatch(/dangling/);
  });
});

describe('KV cache estimate and the fit check', () => {
  it('estimates KV bytes per token from config.json (fp16 K and V per layer and KV head)', () => {
    // Qwen2.5-7B: 28 layers × 4 KV heads × 128 head dim × 2 (K,V) × 2 bytes = 56 KiB per token.
    expect(kvBytesPerToken(QWEN_7B_CONFIG)).toBe(57344);
    expect(kvBytesPerToken({ ...QWEN_7B_CONFIG, head_dim: 64 })).toBe(28672);
    expect(kvBytesPerToken({ text_config: QWEN_7B_CONFIG })).toBe(57344);
    expect(kvBytesPerToken({ num_hidden_layers: 2, num_attention_heads: 4, hidden_size: 64 })).toBe(2 * 2 * 4 * 16 * 2);
    expect(kvBytesPerToken({ model_type: 'mystery' })).toBeNull();
  });

  it('sizes the context from the agent limits', () => {
    expect(contextTokens(defaultConfig().agent)).toBe((6000 + 8192) * 1);
  });

  it('says fits, tight (warn) or too-large (refuse)', () => {
    const kv = 57344 * 14192;
    const mac16 = { totalBytes: 16 * GiB, platform: 'darwin' as const };
    const fits = checkFit({ ...mac16, weightsBytes: 4 * GiB, kvBytes: kv, availableBytes: 10 * GiB });
    expect(fits.verdict).toBe('fits');
    expect(fits.needBytes).toBe(4 * GiB + kv + RUNTIME_OVERHEAD_BYTES);

    const tight = checkFit({ ...mac16, weightsBytes: 4 * GiB, kvBytes: kv, availableBytes: fits.needBytes + HEADROOM_BYTES - 1 });
    expect(tight.verdict).toBe('tight');
    expect(tight.message).toMatch(/available now: expect swapping/);

    // The 32B model (~18 GB) on a 16 GB Mac: more than Metal's ~3/4 working-set limit (12 GB).
    const large = checkFit({ ...mac16, weightsBytes: 18 * GiB, kvBytes: kv, availableBytes: 15 * GiB });
    expect(large.verdict).toBe('too-large');
    expect(large.message).toMatch(/more than this machine can give one process \(12 GB of 16 GB\)/);

    const unknownKv = checkFit({ ...mac16, weightsBytes: GiB, kvBytes: null, availableBytes: 10 * GiB });
    expect(unknownKv.kvBytes).toBe(GiB);
  });

  it('formats sizes for people', () => {
    expect(formatBytes(4 * GiB)).toBe('4 GB');
    expect(formatBytes(1.25 * GiB)).toBe('1.3 GB');
    expect(formatBytes(84 * 1024 ** 2)).toBe('84 MB');
    expect(formatBytes(440 * 1024)).toBe('440 KB');
  });
});

describe('recommended models (the seed table)', () => {
  it('has the configured default, with memory needs rising with size', () => {
    const def = RECOMMENDED_MODELS.filter((m) => m.isDefault);
    expect(def.map((m) => m.id)).toEqual([defaultConfig().server.model]);
    const sizes = RECOMMENDED_MODELS.map((m) => m.weightsBytes);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    for (const m of RECOMMENDED_MODELS) expect(m.minMachineBytes).toBeGreaterThan(m.weightsBytes * 2);
  });
});
