// `mlx-factory server start|stop|status` and `mlx-factory doctor [--install]` as a user runs them:
// the real CLI as a child process, the real mlx_lm.server on the tiny model, real Pythons.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPidFile } from '../../src/server/pid-file.js';
import { isProcessAlive } from '../../src/sandbox/process-tree.js';
import { serverPaths } from '../../src/server/server-paths.js';
import { runCli } from '../support/run-cli.js';
import { HF_EMPTY_CACHE, testDeps } from '../support/test-deps.js';
import { cleanupAll, expectGone, freePort, onCleanup, tempDir, waitFor } from './server-support.js';

afterEach(cleanupAll);

/** A home whose factory.yaml points at the tiny model and the test venv, on a port of its own. */
async function homeWithTinyModel(): Promise<{ home: string; cwd: string; port: number }> {
  const deps = testDeps();
  const home = tempDir('server-cli-home-');
  const cwd = tempDir('server-cli-cwd-');
  const port = await freePort();
  fs.writeFileSync(path.join(home, 'factory.yaml'), `server:\n  model: ${deps.model}\n  python: ${deps.python}\n  port: ${port}\n`);
  // Never leave a server behind, whatever the test did.
  onCleanup(async () => {
    const record = readPidFile(serverPaths(home).pidFile);
    if (record !== null && isProcessAlive(record.pid)) {
      if (isProcessAlive(record.supervisorPid)) process.kill(record.supervisorPid, 'SIGKILL');
      process.kill(-record.pgid, 'SIGKILL');
    }
  });
  return { home, cwd, port };
}

const env = (): Record<string, string> => ({ HF_HUB_CACHE: HF_EMPTY_CACHE, HF_HUB_OFFLINE: '1' });

describe('mlx-factory server', () => {
  it('start runs it in the background and returns once it answers; status, a second start, stop', async () => {
    const { home, cwd, port } = await homeWithTinyModel();
    const start = await runCli(['server', 'start'], { cwd, home, env: env() });
    expect(start.stderr).toMatch(/Ready at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
    expect(start.exitCode).toBe(0);
    expect(start.stdout.trim()).toBe(`http://127.0.0.1:${port}`);
    const record = readPidFile(serverPaths(home).pidFile);
    expect(record).not.toBeNull();
    expect(isProcessAlive(record?.supervisorPid ?? -1)).toBe(true); // the background supervisor

    const status = await runCli(['server', 'status', '--json'], { cwd, home });
    expect(status.exitCode).toBe(0);
    const parsed = JSON.parse(status.stdout) as { running: boolean; pid: number; model: string; memory: { server: { bytes: number } } };
    expect(parsed).toMatchObject({ running: true, pid: record?.pid, model: testDeps().model });
    expect(parsed.memory.server.bytes).toBeGreaterThan(20 * 1024 ** 2);
    const human = await runCli(['server', 'status'], { cwd, home });
    expect(human.stdout).toMatch(/^running: /);
    expect(human.stdout).toMatch(/memory: +\d+ MB \(proc-rss\)/);

    const again = await runCli(['server', 'start'], { cwd, home, env: env() });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/Already running/);

    const stop = await runCli(['server', 'stop'], { cwd, home });
    expect(stop.exitCode).toBe(0);
    expect(stop.stderr).toMatch(/Stopped the server/);
    await expectGone(record?.pid ?? -1);
    await waitFor('the background supervisor to exit', () => !isProcessAlive(record?.supervisorPid ?? -1), 10_000);
    const after = await runCli(['server', 'status'], { cwd, home });
    expect(after.exitCode).toBe(1);
    expect(after.stdout).toMatch(/^stopped/);
    expect(fs.readFileSync(serverPaths(home).logFile, 'utf8')).toMatch(/Starting httpd at 127\.0\.0\.1/);
  });

  it('start --foreground stays until `server stop` asks its supervisor to stop', async () => {
    const { home, cwd } = await homeWithTinyModel();
    let out = '';
    const foreground = runCli(['server', 'start', '--foreground'], { cwd, home, env: env(), onStdout: (t) => (out += t) });
    await waitFor('the URL on stdout', () => out.includes('http://'), { timeoutMs: 90_000, everyMs: 50 });
    const pid = readPidFile(serverPaths(home).pidFile)?.pid ?? -1;
    const stop = await runCli(['server', 'stop'], { cwd, home });
    expect(stop.stderr).toMatch(/Stopped the server/);
    const result = await foreground;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/server stopped: Stopped on request/);
    await expectGone(pid);
  });

  it('bad input: a model path that does not exist → exit 2, nothing started', async () => {
    const { home, cwd } = await homeWithTinyModel();
    const result = await runCli(['server', 'start', '-m', './no-such-model'], { cwd, home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/no-such-model does not exist/);
    expect(readPidFile(serverPaths(home).pidFile)).toBeNull();
    expect((await runCli(['server', 'stop'], { cwd, home })).stderr).toMatch(/No server started by mlx-factory is running/);
    expect((await runCli(['server', 'restart'], { cwd, home })).exitCode).toBe(2);
  });
});

describe('mlx-factory doctor', () => {
  it('reports the runtime, versions, port, memory, the model and its fit', async () => {
    const { home, cwd, port } = await homeWithTinyModel();
    const result = await runCli(['doctor'], { cwd, home });
    expect(result.exitCode).toBe(0);
    const deps = testDeps();
    expect(result.stdout).toContain(`✔ Python               Python 3.`);
    expect(result.stdout).toContain(`at ${deps.python} (found via config)`);
    expect(result.stdout).toContain(`✔ mlx                  ${deps.mlxVersion}`);
    expect(result.stdout).toContain(`✔ mlx-lm               ${deps.mlxLmVersion}`);
    expect(result.stdout).toContain(`127.0.0.1:${port} is free`);
    expect(result.stdout).toMatch(/✔ Memory +[\d.]+ GB available of [\d.]+ GB \(proc-meminfo\)/);
    expect(result.stdout).toMatch(new RegExp(`✔ Model +${deps.model}: \\d+ KB on disk \\(folder\\)\\. Needs about`));
    expect(result.stdout).toContain('mlx-community/Qwen2.5-Coder-7B-Instruct-4bit');
    const json = await runCli(['doctor', '--json', '-m', './missing-model'], { cwd, home });
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { id: string; status: string; found: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'model')).toMatchObject({
      status: 'missing',
      found: expect.stringMatching(/missing-model does not exist/) as unknown,
    });
  });

  it('with no mlx-lm anywhere: says what is missing and that `doctor --install` fixes it', async () => {
    const home = tempDir('server-cli-home-');
    const bin = tempDir('server-cli-bin-');
    fs.symlinkSync('/usr/bin/python3', path.join(bin, 'python3'));
    fs.writeFileSync(path.join(home, 'factory.yaml'), `server:\n  model: ${testDeps().model}\n`);
    // HOME elsewhere so pyenv/uv/conda installs of this machine are not found; PATH with one Python without mlx.
    const result = await runCli(['doctor'], { cwd: home, home, env: { HOME: home, PATH: `${bin}:${path.dirname(process.execPath)}` } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✔ Python +Python 3\.\d+\.\d+ at .*python3 \(path\) — no mlx-lm in it/);
    expect(result.stdout).toMatch(/✘ mlx +not installed\n +fix: run `mlx-factory doctor --install`/);
    expect(result.stdout).toMatch(/✘ mlx-lm +not installed/);
    expect(result.stdout).toContain('Something needed is missing');
  });

  it('--install makes the venv and streams pip; a failed pip says why and what to do', async () => {
    const home = tempDir('server-cli-home-');
    const wheels = tempDir('server-cli-wheels-'); // an empty package index: pip must fail, quickly and offline
    fs.writeFileSync(path.join(home, 'factory.yaml'), `server:\n  model: ${testDeps().model}\n`);
    const result = await runCli(['doctor', '--install'], { cwd: home, home, env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/\[base\] Using .*python.* \(.*Python 3\.(1[1-9]|[2-9]\d)/);
    expect(result.stderr).toContain(`[venv] Creating a virtual environment at ${serverPaths(home).venv}`);
    expect(result.stderr).toMatch(/\[pip\] Installing mlx(\[cpu\])?==0\.32\.4 mlx-lm==0\.32\.2/);
    expect(result.stderr).toMatch(/\[pip\] .*(No matching distribution|Could not find a version)/);
    expect(result.stderr).toMatch(/pip install failed \(exit 1\)/);
    expect(result.stderr).toContain('run `mlx-factory doctor --install` again');
    expect(fs.existsSync(serverPaths(home).venvPython)).toBe(true);
  });
});
