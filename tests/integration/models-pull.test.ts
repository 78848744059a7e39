// `models pull` for real: huggingface_hub's snapshot_download in the test venv's Python, against the
// stand-in Hub serving the tiny model, into a temporary hub cache. Interrupted pulls, corrupt bytes,
// a disk too small and a gated repo are the stand-in's faults; everything else is real.
import { spawn, spawnSync } from 'node:child_process';
import crypto, { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelPullPayload } from '../../src/api/model-pull.js';
import { FactoryError } from '../../src/errors/factory-error.js';
import { defaultConfig } from '../../src/config/config-schema.js';
import { listLocalModels } from '../../src/server/models/local-models.js';
import { ModelPulls } from '../../src/server/models/model-pulls.js';
import { pullModel } from '../../src/server/models/pull-model.js';
import { startStandInHub, type StandInHub } from '../support/stand-in-hub.js';
import { testDeps } from '../support/test-deps.js';
import { waitFor } from '../support/wait-for.js';

const REPO = 'mlx-community/tiny-test-model';
const GATED = 'gated-org/tiny-gated';
/** The tiny model plus 6 MB of weights-like padding: big enough for a download to be cut halfway. */
const BIG = 'mlx-community/tiny-padded';
const TOKEN = 'hf_standin_secret';
let hub: StandInHub;
let paddedDir = '';
const testDepsPaddedDir = (): string => paddedDir;

beforeAll(async () => {
  const deps = testDeps();
  const padded = fs.mkdtempSync(path.join(os.tmpdir(), 'pull-padded-'));
  fs.cpSync(deps.model, padded, { recursive: true });
  paddedDir = padded;
  fs.writeFileSync(path.join(padded, 'padding.bin'), crypto.randomBytes(6 * 1024 * 1024));
  hub = await startStandInHub({ [REPO]: { dir: deps.model }, [GATED]: { dir: deps.model, gatedToken: TOKEN }, [BIG]: { dir: padded } });
});
afterAll(async () => hub.close());

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function freshEnv(extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv; cache: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pull-test-'));
  const cache = path.join(root, 'hub');
  const env: NodeJS.ProcessEnv = { ...process.env, HF_ENDPOINT: hub.url, HF_HOME: root, HF_HUB_CACHE: cache, ...extra };
  delete env['HF_TOKEN'];
  delete env['HF_HUB_OFFLINE'];
  if (extra['HF_TOKEN'] !== undefined) env['HF_TOKEN'] = extra['HF_TOKEN'];
  return { env, cache };
}

async function pullError(run: Promise<unknown>): Promise<FactoryError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof FactoryError) return error;
    throw error;
  }
  throw new Error('the pull succeeded but should have failed');
}

const requestsSince = (from: number) => hub.requests.slice(from);

describe('the stand-in Hub', () => {
  it('speaks the protocol huggingface_hub’s own snapshot_download expects', async () => {
    const { python, model } = testDeps();
    const { env, cache } = freshEnv();
    const from = hub.requests.length;
    // Not spawnSync: the stand-in answers from this process's event loop.
    const run = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        python,
        ['-c', `from huggingface_hub import snapshot_download; print(snapshot_download(${JSON.stringify(REPO)}))`],
        {
          env: { ...env, HF_HUB_DISABLE_PROGRESS_BARS: '1' },
        },
      );
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
      child.on('close', (status) => resolve({ status, stdout }));
    });
    expect(run.status).toBe(0);
    const snapshot = run.stdout.trim();
    expect(snapshot).toBe(path.join(cache, 'models--mlx-community--tiny-test-model', 'snapshots', hub.commitOf(REPO)));
    for (const name of fs.readdirSync(model)) expect(sha256(path.join(snapshot, name))).toBe(sha256(path.join(model, name)));
    const asked = requestsSince(from).map(
      (r) => `${r.method} ${r.path.replace(hub.commitOf(REPO), 'COMMIT').replace(/[0-9a-f]{64}/, 'SHA256')}`,
    );
    expect(asked).toEqual(
      expect.arrayContaining([
        `GET /api/models/${REPO}/revision/main`,
        `GET /api/models/${REPO}/tree/COMMIT`,
        `HEAD /${REPO}/resolve/COMMIT/config.json`,
        `GET /${REPO}/resolve/COMMIT/config.json`,
        // LFS: the HEAD gets a 302 to the CDN origin with X-Linked-Etag/Size; the GET follows it.
        `HEAD /${REPO}/resolve/COMMIT/model.safetensors`,
        'GET /cdn/SHA256',
      ]),
    );
  }, 60_000);
});

describe('models pull against the stand-in Hub', () => {
  it('downloads into the hub cache layout, byte-identical, with progress, and huggingface_hub finds it offline', async () => {
    const { python, model } = testDeps();
    const { env, cache } = freshEnv();
    const events: ModelPullPayload[] = [];
    const result = await pullModel({ model: REPO, python, env, onProgress: (e) => events.push(e), pollMs: 20 });

    const repoDir = path.join(cache, 'models--mlx-community--tiny-test-model');
    expect(fs.readFileSync(path.join(repoDir, 'refs', 'main'), 'utf8').trim()).toBe(hub.commitOf(REPO));
    expect(result.snapshot).toBe(path.join(repoDir, 'snapshots', hub.commitOf(REPO)));
    for (const name of fs.readdirSync(model)) {
      const link = path.join(result.snapshot, name);
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(fs.realpathSync(link).startsWith(fs.realpathSync(path.join(repoDir, 'blobs')))).toBe(true);
      expect(sha256(link)).toBe(sha256(path.join(model, name)));
    }
    // The LFS weights are stored under their sha256, as the Hub's X-Linked-Etag names them.
    expect(fs.existsSync(path.join(repoDir, 'blobs', sha256(path.join(model, 'model.safetensors'))))).toBe(true);
    expect(result.totalBytes).toBe(fs.readdirSync(model).reduce((sum, name) => sum + fs.statSync(path.join(model, name)).size, 0));
    expect(result.downloadedBytes).toBe(result.totalBytes);

    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['planning', 'downloading', 'verifying', 'done']);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ phase: 'done', doneBytes: result.totalBytes, totalBytes: result.totalBytes, filesDone: last?.filesTotal });

    // mlx-lm and huggingface_hub read the cache offline, as mlx_lm.server will.
    const offline = spawnSync(
      python,
      ['-c', `from huggingface_hub import snapshot_download; print(snapshot_download(${JSON.stringify(REPO)}))`],
      {
        env: { ...env, HF_HUB_OFFLINE: '1' },
        encoding: 'utf8',
      },
    );
    expect(offline.stderr).toBe('');
    expect(offline.stdout.trim()).toBe(result.snapshot);
    const listed = listLocalModels({ env });
    expect(listed).toEqual([expect.objectContaining({ id: REPO, source: 'hf-cache', loadable: true, sizeBytes: result.totalBytes })]);
  }, 60_000);

  it('an interrupted pull resumes with a Range request and ends byte-identical', async () => {
    const { python } = testDeps();
    const { env, cache } = freshEnv();
    const stallAt = 3 * 1024 * 1024 + 123;
    hub.setFaults(BIG, { 'padding.bin': { stallAfterBytes: stallAt } });
    const cancel = new AbortController();
    const first = pullModel({
      model: BIG,
      python,
      env,
      signal: cancel.signal,
      pollMs: 20,
      onProgress: (e) => {
        // Cancel once the stalled file has its first megabytes on disk (written 1 MB at a time).
        if (e.phase === 'downloading' && e.doneBytes >= 2 * 1024 * 1024) cancel.abort();
      },
    });
    const error = await pullError(first);
    expect(error.code).toBe('PULL_CANCELLED');
    expect(error.message).toContain(`mlx-factory models pull ${BIG}`);
    const source = path.join(testDepsPaddedDir(), 'padding.bin');
    const weightsSha = sha256(source);
    const partial = path.join(cache, 'models--mlx-community--tiny-padded', 'blobs', `${weightsSha}.incomplete`);
    const partialBytes = fs.statSync(partial).size;
    expect(partialBytes).toBeGreaterThan(0);
    expect(partialBytes).toBeLessThanOrEqual(stallAt);

    hub.setFaults(BIG, {});
    const from = hub.requests.length;
    const events: ModelPullPayload[] = [];
    const result = await pullModel({ model: BIG, python, env, onProgress: (e) => events.push(e) });
    const weightsGets = requestsSince(from).filter((r) => r.method === 'GET' && r.path === `/cdn/${weightsSha}`);
    expect(weightsGets).toEqual([expect.objectContaining({ range: `bytes=${partialBytes}-` })]);
    expect(fs.readFileSync(path.join(result.snapshot, 'padding.bin')).equals(fs.readFileSync(source))).toBe(true);
    expect(fs.existsSync(partial)).toBe(false);
    expect(result.downloadedBytes).toBeLessThan(result.totalBytes); // the first part was not fetched again
    expect(events.find((e) => e.phase === 'downloading')?.doneBytes).toBeGreaterThanOrEqual(partialBytes);
  }, 90_000);

  it('a corrupt blob is detected by its sha256, removed, and a second pull repairs it', async () => {
    const { python } = testDeps();
    const { env } = freshEnv();
    hub.setFaults(REPO, { 'model.safetensors': { corrupt: true } });
    const events: ModelPullPayload[] = [];
    const error = await pullError(pullModel({ model: REPO, python, env, onProgress: (e) => events.push(e) }));
    hub.setFaults(REPO, {});
    expect(error.code).toBe('MODEL_CORRUPT');
    expect(error.message).toMatch(/model\.safetensors: sha256 [0-9a-f]{12}… does not match the published/);
    expect(events[events.length - 1]).toMatchObject({ phase: 'failed', errorCode: 'corrupt' });
    expect(listLocalModels({ env })[0]?.loadable).toBe(false); // the bad weights are gone, not trusted

    const repaired = await pullModel({ model: REPO, python, env });
    expect(listLocalModels({ env })[0]).toMatchObject({ id: REPO, loadable: true });
    expect(repaired.downloadedBytes).toBe(fs.statSync(path.join(repaired.snapshot, 'model.safetensors')).size);
  }, 90_000);

  it('refuses before downloading anything when the disk cannot take the model', async () => {
    const { python } = testDeps();
    const { env, cache } = freshEnv();
    hub.setFaults(REPO, { 'model.safetensors': { declaredSize: 1024 ** 5 } }); // 1 PiB
    const from = hub.requests.length;
    const events: ModelPullPayload[] = [];
    const error = await pullError(pullModel({ model: REPO, python, env, onProgress: (e) => events.push(e) }));
    hub.setFaults(REPO, {});
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toMatch(
      /^Not enough disk space for mlx-community\/tiny-test-model: it needs 1048576 GB more .* Nothing was downloaded\.$/,
    );
    expect(events.map((e) => e.phase)).toEqual(['planning', 'failed']);
    expect(requestsSince(from).filter((r) => r.path.includes('/resolve/') || r.path.startsWith('/cdn/'))).toEqual([]);
    expect(fs.existsSync(path.join(cache, 'models--mlx-community--tiny-test-model', 'blobs'))).toBe(false);
  }, 60_000);

  it('a gated model without a token says what to do; with HF_TOKEN it downloads', async () => {
    const { python } = testDeps();
    const { env } = freshEnv();
    const from = hub.requests.length;
    const error = await pullError(pullModel({ model: GATED, python, env }));
    expect(error.code).toBe('MODEL_GATED');
    expect(error.message).toBe(
      `${GATED} is gated: accept its terms at ${hub.url}/${GATED}, then set HF_TOKEN to an access token of that account (or run \`hf auth login\`) and run \`mlx-factory models pull ${GATED}\` again.`,
    );
    expect(requestsSince(from).filter((r) => r.path.includes('/resolve/'))).toEqual([]);

    const wrong = await pullError(pullModel({ model: GATED, python, env: { ...env, HF_TOKEN: 'hf_wrong' } }));
    expect(wrong.code).toBe('MODEL_GATED');
    expect(wrong.message).toMatch(/your Hugging Face token has no access/);

    const withToken = freshEnv({ HF_TOKEN: TOKEN });
    const result = await pullModel({ model: GATED, python, env: withToken.env });
    expect(result.commit).toBe(hub.commitOf(GATED));
    expect(hub.requests.some((r) => r.path.startsWith(`/${GATED}/resolve/`) && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  }, 90_000);

  it('an unknown repo is a clear not-found', async () => {
    const { python } = testDeps();
    const { env } = freshEnv();
    const error = await pullError(pullModel({ model: 'nobody/no-such-model', python, env }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(/^nobody\/no-such-model was not found on http:\/\/127\.0\.0\.1:\d+/);
  }, 60_000);

  it('the app’s downloads: one pull per model, progress events, cancel keeps the partial file, the next pull resumes it', async () => {
    const { python } = testDeps();
    const { env, cache } = freshEnv();
    hub.setFaults(BIG, { 'padding.bin': { bytesPerSecond: 2 * 1024 * 1024 } });
    const base = defaultConfig();
    const pulls = new ModelPulls({
      home: fs.mkdtempSync(path.join(os.tmpdir(), 'pulls-home-')),
      config: () => ({ ...base, server: { ...base.server, python } }),
      env,
      pollMs: 20,
    });
    const events: ModelPullPayload[] = [];
    pulls.onProgress((e) => events.push(e));
    expect(pulls.pull(BIG)).toEqual({ started: true });
    expect(pulls.pull(BIG)).toEqual({ started: false }); // already running
    const lastEvent = (): string => `last event: ${JSON.stringify(events.at(-1))}`;
    await waitFor('a megabyte on disk', () => events.some((e) => e.phase === 'downloading' && e.doneBytes >= 1024 * 1024), {
      detail: lastEvent,
    });
    expect(pulls.cancel(BIG)).toBe(true);
    await waitFor('the cancel', () => events.at(-1)?.phase === 'cancelled', { detail: lastEvent });
    expect(events.at(-1)?.message).toContain(`mlx-factory models pull ${BIG}`);
    expect(() => pulls.remove('not a repo')).toThrow(/not a Hugging Face repo id/);
    const partial = fs
      .readdirSync(path.join(cache, 'models--mlx-community--tiny-padded', 'blobs'))
      .filter((n) => n.endsWith('.incomplete'));
    expect(partial).toHaveLength(1);

    hub.setFaults(BIG, {});
    const from = hub.requests.length;
    await waitFor('the previous pull to be gone', () => pulls.pull(BIG).started);
    await waitFor('the resumed pull to finish', () => events.at(-1)?.phase === 'done');
    expect(requestsSince(from).some((r) => r.path.startsWith('/cdn/') && r.range !== null && /^bytes=[1-9]\d*-$/.test(r.range))).toBe(true);
    expect(pulls.active()).toEqual([expect.objectContaining({ model: BIG, phase: 'done' })]);
    expect(pulls.remove(BIG).freedBytes).toBeGreaterThan(6 * 1024 * 1024);
  }, 90_000);
});
