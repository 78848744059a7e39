// `mlx-factory models list | pull | rm` as a user runs them: the real CLI as a child process, the
// test venv's huggingface_hub, the stand-in Hub serving the tiny model into a temporary cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../support/run-cli.js';
import { startStandInHub, type StandInHub } from '../support/stand-in-hub.js';
import { testDeps } from '../support/test-deps.js';

const REPO = 'mlx-community/tiny-test-model';
let hub: StandInHub;
beforeAll(async () => {
  hub = await startStandInHub({ [REPO]: { dir: testDeps().model } });
});
afterAll(async () => hub.close());

function setup(): { home: string; cwd: string; env: Record<string, string>; cache: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'models-cli-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'cwd');
  const cache = path.join(root, 'hf', 'hub');
  fs.mkdirSync(home);
  fs.mkdirSync(cwd);
  fs.writeFileSync(path.join(home, 'factory.yaml'), `server:\n  python: ${testDeps().python}\n`);
  return {
    home,
    cwd,
    cache,
    env: { HF_ENDPOINT: hub.url, HF_HOME: path.join(root, 'hf'), HF_HUB_CACHE: cache, HF_TOKEN: '', HF_HUB_OFFLINE: '' },
  };
}

describe('mlx-factory models', () => {
  it('server start for a missing model names the pull; pull downloads with progress; list shows it; rm deletes it', async () => {
    const { home, cwd, env, cache } = setup();
    const missing = await runCli(['server', 'start', '-m', REPO], { cwd, home, env });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`Download it with \`mlx-factory models pull ${REPO}\` (or \`hf download ${REPO}\`)`);

    const pulled = await runCli(['models', 'pull', REPO], { cwd, home, env });
    expect(pulled.stderr).toContain(`Pulling ${REPO} from ${hub.url}`);
    expect(pulled.stderr).toMatch(/Pulled mlx-community\/tiny-test-model \(\d+ KB\) in \d+s; verified\./);
    expect(pulled.exitCode).toBe(0);
    expect(pulled.stdout.trim()).toBe(path.join(cache, 'models--mlx-community--tiny-test-model', 'snapshots', hub.commitOf(REPO)));

    const listed = await runCli(['models', 'list'], { cwd, home, env });
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toMatch(/^MODEL +ON DISK +SIZE +MEMORY +NOTE$/m);
    expect(listed.stdout).toMatch(
      /^mlx-community\/Qwen2\.5-Coder-7B-Instruct-4bit +- +~4 GB +(fits|tight now|too large) +\(default\) Default, best for 16 GB/m,
    );
    expect(listed.stdout).toMatch(/^mlx-community\/tiny-test-model +4\d\d KB +fits/m);
    const asJson = JSON.parse((await runCli(['models', 'list', '--json'], { cwd, home, env })).stdout) as {
      models: Array<{ id: string; onDisk: boolean }>;
    };
    expect(asJson.models.find((m) => m.id === REPO)).toMatchObject({ onDisk: true });

    const again = await runCli(['models', 'pull', REPO, '--json'], { cwd, home, env });
    expect(again.exitCode).toBe(0);
    const summary = jsonLines(again.stdout).find((l) => l.type === 'summary');
    expect(summary).toMatchObject({ model: REPO, downloadedBytes: 0 }); // everything was on disk

    const removed = await runCli(['models', 'rm', REPO], { cwd, home, env });
    expect(removed.exitCode).toBe(0);
    expect(removed.stderr).toMatch(/^Deleted mlx-community\/tiny-test-model from the Hugging Face cache \(4\d\d KB freed\)\.$/m);
    expect(fs.existsSync(path.join(cache, 'models--mlx-community--tiny-test-model'))).toBe(false);
  }, 120_000);

  it('a pull of a repo that does not exist fails with exit 2 and a plain message', async () => {
    const { home, cwd, env } = setup();
    const result = await runCli(['models', 'pull', 'nobody/nothing'], { cwd, home, env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^mlx-factory: nobody\/nothing was not found on http:\/\/127\.0\.0\.1:\d+ /m);
  }, 60_000);

  it('`factory` is an alias of `mlx-factory`', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin['factory']).toBe(pkg.bin['mlx-factory']);
  });
});
