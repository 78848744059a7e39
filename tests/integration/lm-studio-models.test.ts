// Models already on disk (#17 part 7): an MLX model in LM Studio's folder is listed, served by the
// real mlx_lm.server from where it lies, and used by a session — with an empty Hugging Face cache
// and a hub endpoint where nothing listens, so a download could not have happened silently.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readPidFile } from '../../src/server/pid-file.js';
import { isProcessAlive } from '../../src/sandbox/process-tree.js';
import { serverPaths } from '../../src/server/server-paths.js';
import { git } from '../support/git-fixtures.js';
import { jsonLines, runCli } from '../support/run-cli.js';
import { testDeps, tinyModelInfo } from '../support/test-deps.js';
import { cleanupAll, freePort, onCleanup, tempDir } from './server-support.js';

afterEach(cleanupAll);

it("lists an MLX model from LM Studio's folder, serves it with the real mlx_lm.server and runs a session on it, never downloading", async () => {
  const deps = testDeps();
  const info = tinyModelInfo(deps);
  const fakeHome = tempDir('lmstudio-user-');
  const lmModel = path.join(fakeHome, '.lmstudio', 'models', 'lms-pub', 'tiny-mlx');
  fs.mkdirSync(path.dirname(lmModel), { recursive: true });
  fs.cpSync(deps.model, lmModel, { recursive: true });
  // A GGUF model beside it: LM Studio keeps those too; mlx_lm cannot load them, so they are not listed.
  fs.mkdirSync(path.join(fakeHome, '.lmstudio', 'models', 'lms-pub', 'some-gguf'));
  fs.writeFileSync(path.join(fakeHome, '.lmstudio', 'models', 'lms-pub', 'some-gguf', 'model.Q4_K_M.gguf'), 'GGUF');
  const hfCache = tempDir('lmstudio-hf-empty-');
  const env = { HOME: fakeHome, HF_HUB_CACHE: hfCache, HF_HOME: path.join(fakeHome, '.hf'), HF_ENDPOINT: 'http://127.0.0.1:9' };

  const home = tempDir('lmstudio-app-home-');
  const port = await freePort();
  fs.writeFileSync(path.join(home, 'factory.yaml'), `server:\n  model: lms-pub/tiny-mlx\n  python: ${deps.python}\n  port: ${port}\n`);
  onCleanup(async () => {
    const record = readPidFile(serverPaths(home).pidFile);
    if (record !== null && isProcessAlive(record.pid)) process.kill(-record.pgid, 'SIGKILL');
  });
  const repo = tempDir('lmstudio-repo-');
  fs.writeFileSync(path.join(repo, 'README.md'), '# r\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');

  const listed = await runCli(['models', 'list', '--json'], { cwd: repo, home, env });
  expect(listed.exitCode).toBe(0);
  const models = (JSON.parse(listed.stdout) as { models: Array<{ id: string; where?: string; onDisk: boolean; note: string }> }).models;
  const mine = models.find((m) => m.id === lmModel);
  expect(mine).toMatchObject({ where: 'lm-studio', onDisk: true });
  expect(mine?.note).toContain("LM Studio's folder");
  expect(models.some((m) => m.id.includes('some-gguf'))).toBe(false);

  // `server.model: lms-pub/tiny-mlx` is not in the hub cache: it resolves to LM Studio's copy.
  const run = await runCli(['run', 'Print ok', '--check', 'true', '-n', '1', '--json'], { cwd: repo, home, env });
  const events = jsonLines(run.stdout);
  const finished = events.filter((e) => e.type === 'turn.finished');
  expect(finished.length, run.stderr).toBeGreaterThan(0);
  const usage = finished[0]?.['usage'] as { completionTokens: number } | undefined;
  expect(usage?.completionTokens).toBe(info.completion_tokens); // the tiny model's fixed reply, from the real server
  const log = fs.readFileSync(serverPaths(home).logFile, 'utf8');
  expect(log).toContain(`--model ${lmModel}`);
  expect(log).toMatch(/Chose --decode-concurrency \d+ --prompt-concurrency \d+ --prompt-cache-bytes/);
  expect(fs.readdirSync(hfCache)).toEqual([]); // nothing was downloaded into the hub cache
}, 600_000);
