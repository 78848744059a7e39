// The supervisor against the REAL mlx_lm.server serving the tiny local model: start and readiness,
// a streamed chat completion with usage, memory sampling, kill -9 → automatic restart, stop without
// leftovers, adoption of a server left behind by an app killed with SIGKILL, idle unload and reload.
// Fails (does not skip) when the test dependencies are missing.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemorySampleEvent } from '../../src/api/server-events.js';
import { defaultConfig, type FactoryConfig } from '../../src/config/config-schema.js';
import { createMlxSupervisor } from '../../src/server/create-mlx-supervisor.js';
import { MemorySampler } from '../../src/server/memory/memory-sampler.js';
import { readPidFile } from '../../src/server/pid-file.js';
import { isProcessAlive } from '../../src/sandbox/process-tree.js';
import { serverPaths } from '../../src/server/server-paths.js';
import type { ServerSupervisor } from '../../src/server/server-supervisor.js';
import { SupervisedChatModel } from '../../src/server/supervised-chat-model.js';
import { mlxServerEnv, testDeps, tinyModelInfo } from '../support/test-deps.js';
import { cleanupAll, collectStates, expectGone, freePort, onCleanup, REPO_ROOT, tempDir, track, waitFor } from './server-support.js';

afterEach(cleanupAll);

const MESSAGES = [{ role: 'user' as const, content: 'Say hello.' }];

function configFor(port: number): FactoryConfig {
  const deps = testDeps(); // throws with the missing dependency and how to install it
  const base = defaultConfig();
  return { ...base, server: { ...base.server, model: deps.model, python: deps.python, port } };
}

function mlxSupervisor(home: string, config: FactoryConfig, idleUnloadMs?: number): ServerSupervisor {
  const { supervisor } = createMlxSupervisor({
    config,
    home,
    env: mlxServerEnv(),
    supervisor: { stopGraceMs: 3000, restart: { baseDelayMs: 200 }, ...(idleUnloadMs !== undefined ? { idleUnloadMs } : {}) },
  });
  return track(supervisor);
}

async function chat(supervisor: ServerSupervisor): Promise<{ content: string; completionTokens: number | undefined }> {
  const result = await new SupervisedChatModel(supervisor, { timeoutMs: 60_000 }).chat({
    messages: MESSAGES,
    maxTokens: 50,
    temperature: 0,
  });
  return { content: result.content, completionTokens: result.usage?.completionTokens };
}

describe('the supervisor on the real mlx_lm.server', () => {
  it('starts it, is ready on a 1-token completion, streams a chat with usage, samples its memory, restarts it after kill -9, and stops it without leftovers', async () => {
    const info = tinyModelInfo();
    const home = tempDir('server-mlx-home-');
    const s = mlxSupervisor(home, configFor(await freePort()));
    const states = collectStates(s);
    const started = performance.now();
    await s.start();
    const readyMs = performance.now() - started;
    expect(states.map((e) => e.state)).toEqual(['starting', 'starting', 'ready']);
    const pid = s.status.pid ?? -1;
    expect(isProcessAlive(pid)).toBe(true);
    const timings = s.timings;
    expect(timings?.portOpenAt).not.toBeNull();
    expect(timings?.readyAt).toBeGreaterThanOrEqual(timings?.portOpenAt ?? Infinity);
    expect(readPidFile(serverPaths(home).pidFile)).toMatchObject({
      pid,
      pgid: pid,
      port: s.status.port,
      model: testDeps().model,
      supervisorPid: process.pid,
      state: 'ready',
    });
    console.log(
      `[server-mlx] spawn → port open ${((timings?.portOpenAt ?? 0) - (timings?.spawnedAt ?? 0)).toFixed(0)} ms, → ready ${readyMs.toFixed(0)} ms`,
    );

    // A streamed chat completion through the supervised client: the tiny model's fixed reply, and usage.
    const first = await chat(s);
    expect(first.content).toBe(info.reply);
    expect(first.completionTokens).toBe(info.completion_tokens);

    // Memory (the host's sampler, pointed at this server): the server's RSS from /proc (Linux), the
    // system's, ours; and the sampler ticks every second.
    const memory = new MemorySampler({ serverPid: () => s.status.pid });
    const sample = await memory.sampleOnce();
    expect(sample.server?.pids).toContain(pid);
    expect(sample.server?.source).toBe(process.platform === 'linux' ? 'proc-rss' : 'macos-footprint');
    expect(sample.server?.bytes).toBeGreaterThan(20 * 1024 ** 2);
    expect(sample.system.totalBytes).toBeGreaterThan(sample.system.availableBytes);
    expect(sample.app.rssBytes).toBeGreaterThan(0);
    const ticks: MemorySampleEvent[] = [];
    const off = memory.on('memory.sample', (e) => ticks.push(e));
    memory.start();
    await waitFor('three memory samples', () => ticks.length >= 3);
    memory.stop();
    off();
    const gaps = ticks.slice(1).map((t, i) => Date.parse(t.time) - Date.parse(ticks[i]?.time ?? ''));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
    expect(memory.samples().length).toBeGreaterThanOrEqual(4);

    // kill -9: the supervisor notices, restarts it, and the next request works.
    process.kill(pid, 'SIGKILL');
    await waitFor('the restart', () => s.status.state === 'ready' && s.status.pid !== pid, 60_000);
    expect(states.map((e) => e.state).slice(3)).toEqual(['crashed', 'restarting', 'starting', 'ready']);
    expect(states.find((e) => e.state === 'crashed')?.detail).toMatch(/killed by SIGKILL/);
    expect(s.snapshot().restarts).toBe(1);
    expect((await chat(s)).content).toBe(info.reply);

    // Stop: the process group is gone and the pid file with it.
    const second = s.status.pid ?? -1;
    await s.stop();
    expect(s.status.state).toBe('stopped');
    await expectGone(second);
    expect(readPidFile(serverPaths(home).pidFile)).toBeNull();
  });

  it('adopts the server an app killed with SIGKILL left behind, and owns it from then on', async () => {
    const home = tempDir('server-mlx-home-');
    const config = configFor(await freePort());
    // The "app": a separate Node process that starts a supervisor and then gets SIGKILLed.
    const code = `
      const { createMlxSupervisor } = await import(${JSON.stringify(new URL('../../src/server/create-mlx-supervisor.ts', import.meta.url).pathname)});
      const { supervisor } = createMlxSupervisor({ config: ${JSON.stringify(config)}, home: ${JSON.stringify(home)} });
      await supervisor.start();
      console.log('READY ' + supervisor.status.pid);
      setInterval(() => {}, 1000);`;
    const app = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: REPO_ROOT,
      env: mlxServerEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    app.stdout.on('data', (b: Buffer) => (out += b.toString()));
    app.stderr.on('data', (b: Buffer) => (out += b.toString()));
    onCleanup(() => {
      app.kill('SIGKILL');
    });
    const serverPid = Number(await waitFor(`the app's server (output so far: ${out})`, () => /READY (\d+)/.exec(out)?.[1], 90_000));
    onCleanup(() => {
      if (isProcessAlive(serverPid)) process.kill(-serverPid, 'SIGKILL');
    });
    app.kill('SIGKILL');
    await new Promise((resolve) => app.once('exit', resolve));
    expect(isProcessAlive(serverPid)).toBe(true); // the orphan: in its own process group, it survived

    const s = mlxSupervisor(home, config);
    await s.start();
    expect(s.status).toMatchObject({ state: 'adopted', pid: serverPid, owned: true });
    expect(s.snapshot().detail).toMatch(/left by an earlier run; it is ours now/);
    expect(readPidFile(serverPaths(home).pidFile)?.supervisorPid).toBe(process.pid);
    expect((await chat(s)).content).toBe(tinyModelInfo().reply);
    await s.stop();
    await expectGone(serverPid);
  });

  it('unloads after the idle time without requests and loads again on the next request', async () => {
    const home = tempDir('server-mlx-home-');
    const s = mlxSupervisor(home, configFor(await freePort()), 1500);
    const states = collectStates(s);
    await s.start();
    const pid = s.status.pid ?? -1;
    await waitFor('the idle unload', () => s.status.state === 'unloaded', 20_000);
    expect(states.at(-1)?.detail).toMatch(/Unloaded after 2 s without requests/);
    await expectGone(pid);
    expect(readPidFile(serverPaths(home).pidFile)).toBeNull();

    // The next request loads it again.
    expect((await chat(s)).content).toBe(tinyModelInfo().reply);
    expect(s.status.state).toBe('ready');
    expect(s.status.pid).not.toBe(pid);
    expect(states.map((e) => e.state)).toEqual(['starting', 'starting', 'ready', 'stopping', 'unloaded', 'starting', 'starting', 'ready']);
    expect(s.snapshot().restarts).toBe(1);
  });
});
