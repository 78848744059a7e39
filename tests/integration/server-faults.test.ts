// The supervisor's fault cases, where the real mlx_lm.server cannot be made to fail on demand: the
// scripted stand-in (same flags) and small Node programs that fail the way mlx_lm.server does.
// Real processes, real ports, real signals; every test checks that nothing is left running.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, type FactoryConfig } from '../../src/config/config-schema.js';
import { FactoryError } from '../../src/errors/factory-error.js';
import { runSandboxed } from '../../src/sandbox/index.js';
import { createMlxSupervisor } from '../../src/server/create-mlx-supervisor.js';
import { ensureServerForRun } from '../../src/server/ensure-server-for-run.js';
import { readPidFile, writePidFile } from '../../src/server/pid-file.js';
import { choosePort } from '../../src/server/server-adopt.js';
import { startScriptedServer } from '../support/scripted-server/launch.js';
import { isProcessAlive } from '../../src/sandbox/process-tree.js';
import { requireRuntime } from '../../src/server/runtime/discover-runtime.js';
import { ServerSupervisor, type SupervisorOptions } from '../../src/server/server-supervisor.js';
import { serverPaths } from '../../src/server/server-paths.js';
import { SupervisedChatModel } from '../../src/server/supervised-chat-model.js';
import { launchSession, prepareSession } from '../../src/sessions/start-session.js';
import { testDeps } from '../support/test-deps.js';
import {
  cleanupAll,
  CODER_SYSTEM,
  collectStates,
  expectGone,
  freePort,
  nodeProgram,
  onCleanup,
  PORT_FROM_ARGV,
  scriptedLaunch,
  tempDir,
  track,
  waitFor,
} from './server-support.js';

afterEach(cleanupAll);

async function supervisor(options: Partial<SupervisorOptions> & Pick<SupervisorOptions, 'launch'>): Promise<ServerSupervisor> {
  return track(
    new ServerSupervisor({
      home: tempDir('server-home-'),
      model: 'scripted-model',
      port: await freePort(),
      stopGraceMs: 1000,
      restart: { baseDelayMs: 50, maxDelayMs: 1000 },
      ...options,
    }),
  );
}

async function startError(s: ServerSupervisor): Promise<FactoryError> {
  try {
    await s.start();
  } catch (error) {
    if (error instanceof FactoryError) return error;
    throw error;
  }
  throw new Error('start() succeeded');
}

describe('start-up failures', () => {
  it('a server that crashes at start-up: start fails with its last lines, state failed, nothing left', async () => {
    const s = await supervisor({
      launch: nodeProgram(
        "console.error('Traceback (most recent call last):'); console.error('  File \"mlx_lm/utils.py\", line 123, in load_model'); console.error('FileNotFoundError: No safetensors found in /models/broken'); process.exit(1);",
      ),
    });
    const states = collectStates(s);
    const error = await startError(s);
    expect(error.code).toBe('SERVER_START_FAILED');
    expect(error.message).toMatch(/exited with code 1 before it was ready/);
    expect(error.message).toContain('FileNotFoundError: No safetensors found in /models/broken');
    expect(s.status.state).toBe('failed');
    expect(states.at(-1)?.logTail.join('\n')).toContain('No safetensors found');
    expect(readPidFile(serverPaths(s['options'].home).pidFile)).toBeNull();
  });

  it('a model that fails to load (mlx_lm hangs after "Exception in thread"): killed at once, not after the ready timeout', async () => {
    const s = await supervisor({
      readyTimeoutMs: 60_000,
      launch: nodeProgram(
        `${PORT_FROM_ARGV} require('http').createServer(() => {}).listen(port, '127.0.0.1', () => {
          console.error('Starting httpd at 127.0.0.1 on port ' + port + '...');
          setTimeout(() => { console.error('Exception in thread Thread-1 (_generate):'); console.error('ValueError: Missing parameters: lm_head.weight.'); }, 300);
        });`,
      ),
    });
    const started = Date.now();
    let pid = 0;
    s.on('server.state', (e) => {
      if (e.pid !== null) pid = e.pid;
    });
    const error = await startError(s);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toMatch(/could not load the model/);
    expect(error.message).toContain('Missing parameters: lm_head.weight.');
    await expectGone(pid);
  });

  it('"Address already in use" while starting (the port was taken after our check): moves to the next port', async () => {
    let launches = 0;
    const scripted = scriptedLaunch();
    const s = await supervisor({
      launch: (port, host) => {
        launches += 1;
        if (launches > 1) return scripted(port, host);
        return nodeProgram("console.error('OSError: [Errno 98] Address already in use'); setInterval(() => {}, 1000);")(port, host);
      },
    });
    const first = s['preferredPort'] as number;
    await s.start();
    expect(s.status.state).toBe('ready');
    expect(s.status.port).toBeGreaterThan(first);
    expect(s.logTail(50).join('\n')).toMatch(new RegExp(`Port ${first} was taken while the server started`));
  });

  it('port taken by something that is not an OpenAI server: starts on the next free port and says why', async () => {
    const port = await freePort();
    const squatter = http.createServer((_req, res) => res.writeHead(404).end('Not Found'));
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const s = await supervisor({ port, launch: scriptedLaunch() });
    const logs: string[] = [];
    s.on('server.log', (e) => logs.push(e.line));
    await s.start();
    expect(s.status.state).toBe('ready');
    expect(s.status.port).not.toBe(port);
    expect(logs.join('\n')).toMatch(
      new RegExp(
        `Port ${port} is taken by another program \\(pid ${process.pid}\\) that is not an OpenAI-compatible server \\(GET /v1/models answered HTTP 404\\)`,
      ),
    );
  });

  it('stop during a start that never gets ready: start is cancelled, nothing left running', async () => {
    const s = await supervisor({ launch: nodeProgram('setInterval(() => {}, 1000);') });
    const starting = s.start();
    const pid = await waitFor('a launch', () => s.status.pid);
    await s.stop();
    await expect(starting).rejects.toThrow(/cancelled/);
    expect(s.status.state).toBe('stopped');
    await expectGone(pid);
  });
});

describe('adoption and orphans', () => {
  it('a server that answers for our model on the port but that we did not record is not adopted: a new port, and the log says why', async () => {
    // A session's run script (sandboxed, but on the host's 127.0.0.1) or any local program posing as the model server.
    const port = await freePort();
    const spoof = await startScriptedServer({ port, model: 'scripted-model' });
    onCleanup(() => spoof.stop());
    const s = await supervisor({ port, launch: scriptedLaunch() });
    const logs: string[] = [];
    s.on('server.log', (e) => logs.push(e.line));
    await s.start();
    expect(s.status).toMatchObject({ state: 'ready', owned: true });
    expect(s.status.port).not.toBe(port);
    expect(s.status.pid).not.toBe(spoof.pid);
    const said = logs.join('\n');
    expect(said).toContain(
      `Port ${port} is taken by another program (pid ${spoof.pid}) that answers as an OpenAI-compatible server for scripted-model; MLX Factory did not start it, so it is not used.`,
    );
    expect(said).toContain(`Using port ${s.status.port} instead of ${port}.`);
    expect(await spoof.requests()).toEqual([]); // never sent a prompt, not even the 1-token probe
  });

  it('the server our pid file records (another supervisor of this home) is adopted on the port, and left running on stop', async () => {
    const port = await freePort();
    const home = tempDir('server-home-');
    const ours = await startScriptedServer({ port, model: 'scripted-model' });
    onCleanup(() => ours.stop());
    // Its supervisor: a live process other than this one (the test runner's parent), so the server stays theirs.
    const record = {
      pid: ours.pid,
      pgid: ours.pid,
      host: '127.0.0.1',
      port,
      model: 'scripted-model',
      command: [...ours.command],
      startedAt: new Date().toISOString(),
      supervisorPid: process.ppid,
      state: 'ready' as const,
    };
    writePidFile(serverPaths(home).pidFile, record);
    const s = await supervisor({ home, port, launch: scriptedLaunch() });
    await s.start();
    expect(s.status).toMatchObject({ state: 'adopted', owned: false, port, pid: ours.pid });
    await s.stop();
    expect(s.snapshot().detail).toMatch(/not started by us and keeps running/);
    expect(isProcessAlive(ours.pid)).toBe(true);

    // The record written while we looked at the port (a race with another supervisor): choosePort still ties it to us.
    const notes: string[] = [];
    const context = {
      host: '127.0.0.1',
      model: 'scripted-model',
      pidFile: serverPaths(home).pidFile,
      adopt: true,
      probeTimeoutMs: 5000,
      stopGraceMs: 1000,
      note: (l: string) => notes.push(l),
    };
    const choice = await choosePort(context, port, new AbortController().signal);
    expect(choice.kind === 'adopt' && choice.found.server).toEqual({ pid: ours.pid, pgid: ours.pid, port, owned: false });

    // Without the record, the same server is another program's.
    fs.rmSync(serverPaths(home).pidFile);
    const other = await choosePort(context, port, new AbortController().signal);
    expect(other.kind).toBe('port');
    expect(notes.join('\n')).toContain(`Port ${port} is taken by another program (pid ${ours.pid})`);
  });

  it('a pid file whose server does not hold the port (another program took it) is not used: the impostor gets no request', async () => {
    const port = await freePort();
    const home = tempDir('server-home-');
    // Our server, recorded while starting (alive, not listening yet); meanwhile another program binds the port.
    const code = 'setInterval(() => {}, 1000);';
    const starting = spawn(process.execPath, ['-e', code, '--', '--port', String(port)], { stdio: 'ignore' });
    const startingPid = starting.pid ?? -1;
    onCleanup(() => {
      starting.kill('SIGKILL');
    });
    const spoof = await startScriptedServer({ port, model: 'scripted-model' });
    onCleanup(() => spoof.stop());
    writePidFile(serverPaths(home).pidFile, {
      pid: startingPid,
      pgid: startingPid,
      host: '127.0.0.1',
      port,
      model: 'scripted-model',
      command: [process.execPath, '-e', code, '--', '--port', String(port)],
      startedAt: new Date().toISOString(),
      supervisorPid: process.ppid,
      state: 'starting',
    });
    const s = await supervisor({ home, port, launch: scriptedLaunch() });
    const logs: string[] = [];
    s.on('server.log', (e) => logs.push(e.line));
    await s.start();
    expect(s.status.state).toBe('ready');
    expect(s.status.port).not.toBe(port);
    expect(logs.join('\n')).toContain(
      `Not using the server the pid file names (pid ${startingPid}, http://127.0.0.1:${port}): port ${port} is held by pid ${spoof.pid}, not by it.`,
    );
    expect(await spoof.requests()).toEqual([]);
  });

  it('a hung orphan from a killed app is killed and replaced; a stale pid file is just removed', async () => {
    const home = tempDir('server-home-');
    const port = await freePort();
    const code = `${PORT_FROM_ARGV} require('http').createServer(() => {}).listen(port, '127.0.0.1');`;
    const orphan = spawn(process.execPath, ['-e', code, '--', '--port', String(port)], { detached: true, stdio: 'ignore' });
    orphan.unref();
    const orphanPid = orphan.pid ?? -1;
    onCleanup(() => {
      if (isProcessAlive(orphanPid)) process.kill(-orphanPid, 'SIGKILL');
    });
    const deadSupervisor = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => deadSupervisor.once('exit', resolve));
    await waitFor(
      'the orphan to listen',
      () =>
        new Promise<boolean>((resolve) =>
          net
            .connect(port, '127.0.0.1')
            .once('connect', () => resolve(true))
            .once('error', () => resolve(false)),
        ),
    );
    writePidFile(serverPaths(home).pidFile, {
      pid: orphanPid,
      pgid: orphanPid,
      host: '127.0.0.1',
      port,
      model: 'scripted-model',
      command: [process.execPath, '-e', code, '--', '--port', String(port)],
      startedAt: new Date().toISOString(),
      supervisorPid: deadSupervisor.pid ?? 1,
      state: 'ready',
    });
    const s = await supervisor({ home, port, adoptProbeTimeoutMs: 1000, launch: scriptedLaunch() });
    const logs: string[] = [];
    s.on('server.log', (e) => logs.push(e.line));
    await s.start();
    expect(logs.join('\n')).toMatch(/does not answer/);
    expect(logs.join('\n')).toMatch(new RegExp(`Stopping the orphaned server \\(pid ${orphanPid}`));
    await expectGone(orphanPid);
    // Its port, or the next one while the killed orphan's socket is still going away (a listener not
    // tied to our record is never reused).
    expect(s.status).toMatchObject({ state: 'ready', owned: true });
    expect([port, port + 1, port + 2]).toContain(s.status.port);
    const record = readPidFile(serverPaths(home).pidFile);
    expect(record?.pid).toBe(s.status.pid);
    await s.stop();
    expect(readPidFile(serverPaths(home).pidFile)).toBeNull();

    // Now a record whose server is gone: removed, and a normal start follows.
    writePidFile(serverPaths(home).pidFile, { ...(record ?? fail()), pid: orphanPid, pgid: orphanPid });
    const again = await supervisor({ home, port, launch: scriptedLaunch() });
    const lines: string[] = [];
    again.on('server.log', (e) => lines.push(e.line));
    await again.start();
    expect(lines.join('\n')).toMatch(new RegExp(`Removed a stale pid file: the server it names \\(pid ${orphanPid}\\) is gone`));
  });
});

function fail(): never {
  throw new Error('no pid file');
}

describe('crashes and restarts', () => {
  it('restarts with backoff 1×, 2× … and gives up with a clear state after N fast crashes', async () => {
    let launches = 0;
    const scripted = scriptedLaunch();
    const s = await supervisor({
      restart: { baseDelayMs: 50, maxDelayMs: 1000, maxFastCrashes: 3, fastCrashWindowMs: 60_000 },
      launch: (port, host) => {
        launches += 1;
        if (launches === 1) return scripted(port, host);
        return nodeProgram("console.error('RuntimeError: [metal::malloc] Resource limit exceeded'); process.exit(3);")(port, host);
      },
    });
    const states = collectStates(s);
    await s.start();
    const pid = s.status.pid ?? -1;
    process.kill(pid, 'SIGKILL');
    await waitFor('the supervisor to give up', () => s.status.state === 'failed', 20_000);
    const seq = states.map((e) => e.state);
    expect(seq).toEqual([
      'starting',
      'starting',
      'ready',
      'crashed',
      'restarting',
      'starting',
      'crashed',
      'restarting',
      'starting',
      'crashed',
      'failed',
    ]);
    const waits = states.filter((e) => e.state === 'restarting').map((e) => /Restarting in ([\d.]+) s/.exec(e.detail)?.[1]);
    expect(waits).toEqual(['0.05', '0.1']);
    const failed = states.at(-1);
    expect(failed?.detail).toMatch(/Gave up after 3 crashes in a row/);
    expect(failed?.logTail.join('\n')).toContain('Resource limit exceeded');
    expect(failed?.restarts).toBe(2);
    await expect(s.ensureReady()).rejects.toMatchObject({ code: 'SERVER_FAILED' });
    expect(readPidFile(serverPaths(s['options'].home).pidFile)).toBeNull();
  });

  it('the server killed mid-stream: the turn is retried once it is back, and completes', async () => {
    const reply = 'def main():\n    print("hello from a turn that survived a crash")\n\nmain()\n';
    const s = await supervisor({ launch: scriptedLaunch({ coder: [{ content: reply, tokensPerSecond: 40 }] }) });
    await s.start();
    const firstPid = s.status.pid ?? -1;
    const model = new SupervisedChatModel(s, { timeoutMs: 30_000, retryDelayMs: 100 });
    const retries: string[] = [];
    let killed = false;
    const result = await model.chat({
      messages: [
        { role: 'system', content: CODER_SYSTEM },
        { role: 'user', content: 'Write main.py' },
      ],
      maxTokens: 500,
      temperature: 0,
      onDelta: () => {
        if (!killed) {
          killed = true;
          process.kill(firstPid, 'SIGKILL');
        }
      },
      onRetry: (reason) => retries.push(reason),
    });
    expect(killed).toBe(true);
    expect(result.content).toBe(reply);
    expect(result.finishReason).toBe('stop');
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.at(-1)).toMatch(/restarted/);
    expect(s.status.state).toBe('ready');
    expect(s.status.pid).not.toBe(firstPid);
    expect(s.snapshot().restarts).toBe(1);
  });

  it('a whole session survives its server being killed in the middle of the Coder turn', async () => {
    // A real model folder, so the model resolves as a user's would; the scripted server stands in for mlx_lm.
    const model = testDeps().model;
    const home = tempDir('server-home-');
    const work = tempDir('server-session-');
    const config: FactoryConfig = { ...defaultConfig(), server: { ...defaultConfig().server, port: await freePort() } };
    const coder = 'main.py\n```python\nprint("survived")\n```\n';
    const server = await ensureServerForRun({
      config,
      home,
      model,
      launch: scriptedLaunch(
        { coder: [{ content: coder, tokensPerSecond: 30 }], sheriff: [{ content: 'It printed survived.\nVERDICT: PASS' }] },
        model,
      ),
      supervisor: { stopGraceMs: 1000, restart: { baseDelayMs: 100 } },
    });
    track(server.supervisor);
    const prepared = await prepareSession({ description: 'Print survived', cwd: work, home, check: 'python3 main.py' });
    let killed = false;
    const summary = await launchSession(prepared, {
      model: server.chatModel(30_000),
      runCheck: runSandboxed,
      signal: new AbortController().signal,
      onLog: (log) =>
        log.subscribe((event) => {
          if (event.type === 'token.delta' && event.persona === 'coder' && !killed) {
            killed = true;
            process.kill(server.supervisor.status.pid ?? -1, 'SIGKILL');
          }
        }),
    });
    expect(killed).toBe(true);
    expect(summary.state).toBe('passed');
    expect(fs.readFileSync(path.join(summary.worktree, 'main.py'), 'utf8')).toBe('print("survived")\n');
    const events = fs.readFileSync(path.join(home, 'sessions', summary.id, 'events.jsonl'), 'utf8');
    expect(events).toContain('"type":"turn.retry"');
    expect(server.supervisor.snapshot().restarts).toBe(1);
    const pid = server.supervisor.status.pid ?? -1;
    await server.stopAfter();
    await expectGone(pid);
  });
});

describe('bad input', () => {
  const config = (server: Partial<FactoryConfig['server']>): FactoryConfig => ({
    ...defaultConfig(),
    server: { ...defaultConfig().server, ...server },
  });

  it('a model path that does not exist fails before anything starts', () => {
    const home = tempDir('server-home-');
    expect(() => createMlxSupervisor({ config: config({ model: './no/such/model' }), home, cwd: home })).toThrow(
      expect.objectContaining({
        code: 'MODEL_NOT_FOUND',
        message: expect.stringMatching(/no\/such\/model does not exist/) as unknown,
      }) as Error,
    );
  });

  it('a model too large for this machine is refused before launching, with the numbers', async () => {
    const home = tempDir('server-home-');
    const modelDir = path.join(home, 'huge-model');
    fs.mkdirSync(modelDir);
    fs.writeFileSync(
      path.join(modelDir, 'config.json'),
      JSON.stringify({ num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8, hidden_size: 8192 }),
    );
    const fd = fs.openSync(path.join(modelDir, 'model.safetensors'), 'w');
    fs.ftruncateSync(fd, 4 * 1024 ** 4); // 4 TiB, sparse
    fs.closeSync(fd);
    const { supervisor: s } = createMlxSupervisor({
      config: config({ model: modelDir, python: testDeps().python, port: await freePort() }),
      home,
    });
    track(s);
    const error = await startError(s);
    expect(error.code).toBe('MODEL_TOO_LARGE');
    expect(error.isInputError).toBe(true);
    expect(error.message).toMatch(/needs about 4\d{3}(\.\d)? GB .* more than this machine can give one process/);
    expect(s.status.state).toBe('failed');
    expect(s.status.pid).toBeNull();
  });

  it('no Python with mlx-lm: lists what was tried and says how to install it', async () => {
    const home = tempDir('server-home-');
    const bin = path.join(home, 'bin');
    fs.mkdirSync(bin);
    const error = await requireRuntime({ home, configPython: '/usr/bin/python3', env: { PATH: bin }, homedir: home }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FactoryError);
    const message = (error as FactoryError).message;
    expect((error as FactoryError).code).toBe('RUNTIME_MISSING');
    expect(message).toMatch(/server\.python \(\/usr\/bin\/python3\): Python 3\.\d+\.\d+ without mlx-lm/);
    expect(message).toContain('mlx-factory doctor --install');
  });

  it('a Python too old for mlx-lm is named as such', async () => {
    const home = tempDir('server-home-');
    const old = path.join(home, 'python3.9');
    // A stand-in interpreter: answers the probe as Apple's Python 3.9 does (no mlx, no mlx-lm).
    fs.writeFileSync(
      old,
      `#!/bin/sh\necho '{"version": "3.9.6", "executable": "${old}", "prefix": "/usr", "machine": "arm64", "mlx": null, "mlxLm": null}'\n`,
      { mode: 0o755 },
    );
    const error = (await requireRuntime({ home, configPython: old, env: { PATH: '' }, homedir: home }).catch(
      (e: unknown) => e,
    )) as FactoryError;
    expect(error.code).toBe('RUNTIME_MISSING');
    expect(error.message).toMatch(/Python 3\.9\.6 is too old: mlx-lm 0\.32\.2 needs Python 3\.11 or newer/);
  });
});

describe('restart for new flags', () => {
  it('a Stop pressed while a restart (the draft-model switch) is stopping the server wins: nothing is launched again', async () => {
    let launches = 0;
    const scripted = scriptedLaunch();
    const s = await supervisor({
      launch: (port, host) => {
        launches += 1;
        return scripted(port, host);
      },
    });
    await s.start();
    const first = s.status.pid ?? -1;
    const restarting = s.restartFor('Restarting without the draft model: 2 sessions run now.');
    await s.stop('Stopped by the user.');
    await restarting;
    expect(launches).toBe(1);
    expect(s.status).toMatchObject({ state: 'stopped', pid: null });
    await expectGone(first);

    // Without a Stop meanwhile, the restart relaunches.
    await s.start();
    await s.restartFor('Restarting with the draft model: one session runs now.');
    expect(launches).toBe(3);
    expect(s.status.state).toBe('ready');
  });
});
