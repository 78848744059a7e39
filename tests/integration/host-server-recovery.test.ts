// Recovery without the user's help, in the host (the app's path, not the CLI's): the model server
// dies in the middle of a Coder turn → the supervisor restarts it, the turn runs again and the
// session passes; a supervisor that gave up (`failed`) is tried again by the next session or Resume;
// when it cannot come back, the session ends with one plain sentence, the log kept aside.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/api/payloads.js';
import { defaultConfig, type FactoryConfig } from '../../src/config/config-schema.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import type { LaunchBuilder } from '../../src/server/launch-spec.js';
import { ServerChoice } from '../../src/server/server-choice.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { cleanupAll, freePort, onCleanup, scriptedLaunch, tempDir, waitFor } from './server-support.js';

afterEach(async () => {
  await cleanupAll();
  removeTempDirs();
});

const PASSING: Script = {
  coder: [{ content: 'main.py\n```python\nprint("hi")\n```\n' }],
  sheriff: [{ content: 'It prints hi.\n\nVERDICT: PASS' }],
};

/** Launch n (1-based) gets scripts[n-1] (the last one from then on), or throws when it is an Error. */
function launches(scripts: ReadonlyArray<Script | Error>, model: string): { launch: LaunchBuilder; count: () => number } {
  let n = 0;
  const builders = scripts.map((s) => (s instanceof Error ? s : scriptedLaunch(s, model)));
  return {
    count: () => n,
    launch: async (port, host) => {
      const builder = builders[Math.min(n, builders.length - 1)];
      n += 1;
      if (builder instanceof Error || builder === undefined) throw builder ?? new Error('no script');
      return builder(port, host);
    },
  };
}

async function hostWith(launch: LaunchBuilder): Promise<{ host: FactoryHost; control: ServerChoice; home: string }> {
  const home = tempDir('recovery-home-');
  const modelDir = path.join(home, 'model');
  fs.mkdirSync(modelDir);
  fs.writeFileSync(path.join(modelDir, 'config.json'), '{"model_type":"qwen2"}');
  fs.writeFileSync(path.join(modelDir, 'model.safetensors'), Buffer.alloc(16));
  const base = defaultConfig();
  const config: FactoryConfig = {
    ...base,
    server: { ...base.server, model: modelDir, port: await freePort() },
    agent: { ...base.agent, max_attempts: 2, llm_timeout: 30 },
  };
  const control = new ServerChoice({ home, config: () => config, launch, supervisor: { stopGraceMs: 1000 } });
  const host = new FactoryHost({
    home,
    version: 'test',
    server: control,
    doctor: control.doctor,
    chatModelFor: (context) => control.chatModel(context.llmTimeoutMs),
  });
  onCleanup(() => host.shutdown());
  return { host, control, home };
}

async function ended(host: FactoryHost, id: string): Promise<SessionInfo> {
  await waitFor(`session ${id} to end`, () => !host.sessions.runsHere(id) && host.sessions.info(id).state !== 'running', 60_000, 50);
  return host.sessions.info(id);
}

describe('the model server in the host', () => {
  it('killed mid-turn: the supervisor restarts it, the turn runs again, and the session passes', async () => {
    // The first server dies after streaming a few tokens of the Coder's reply; the restarted one answers.
    const dying: Script = {
      coder: [{ content: 'main.py\n```python\nprint("hi")\n```\n', fault: 'die', faultAfterTokens: 3 }],
      sheriff: [],
    };
    const { launch, count } = launches([dying, PASSING], 'recovery-model');
    const { host } = await hostWith(launch);
    const info = await host.sessions.start({
      description: 'Print hi',
      repo: makeRepo({ files: { 'README.md': '# hi\n' } }),
      check: 'python3 main.py',
    });
    const end = await ended(host, info.id);
    expect(end.state).toBe('passed');
    expect(count()).toBe(2); // the server was launched again
    expect(host.server?.status()).toMatchObject({ state: 'ready', restarts: 1 });
    const log = readSessionLog(sessionFiles(host.paths.sessions, info.id).log).events;
    expect(log.filter((e) => e.type === 'attempt.started')).toHaveLength(1); // the turn was retried, not the attempt
  }, 90_000);

  it('a supervisor that gave up is tried again by the next session', async () => {
    const { launch, count } = launches([new Error('the runtime is not there yet'), PASSING], 'recovery-model');
    const { host } = await hostWith(launch);
    const first = await host.server?.start({}).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(Error);
    expect(host.server?.status().state).toBe('failed');
    const info = await host.sessions.start({
      description: 'Print hi',
      repo: makeRepo({ files: { 'README.md': '# hi\n' } }),
      check: 'python3 main.py',
    });
    expect((await ended(host, info.id)).state).toBe('passed');
    expect(count()).toBe(2);
  }, 90_000);

  it('when it cannot come back, the session says so in one sentence, and Resume starts it again and passes', async () => {
    const dying: Script = {
      coder: [{ content: 'main.py\n```python\nprint("hi")\n```\n', fault: 'die', faultAfterTokens: 2 }],
      sheriff: [],
    };
    // First launch dies mid-turn; its restarts fail; a later launch (Resume) works.
    const broken = new Error('mlx_lm went missing');
    const { launch } = launches([dying, broken, broken, broken, broken, broken, PASSING], 'recovery-model');
    const { host } = await hostWith(launch);
    const repo = makeRepo({ files: { 'README.md': '# hi\n' } });
    const info = await host.sessions.start({ description: 'Print hi', repo, check: 'python3 main.py' });
    const failed = await ended(host, info.id);
    expect(failed.state).toBe('error');
    expect(failed.reason).toMatch(
      /^The model server stopped and could not be restarted \(.+\)\. The session stopped here with its work kept; Resume starts the server again and continues \(its log: Server → Log, or .+mlx-server\.log\)\.$/,
    );
    expect(failed.reason).not.toContain('\n');
    expect(host.server?.status().state).toBe('failed');

    let resumed: SessionInfo | undefined;
    for (let tries = 0; tries < 6 && resumed === undefined; tries++) {
      // Each Resume retries the server once; the stand-in fails a few more launches before it works.
      resumed = await host.sessions.resume(info.id, host.ops.resume).catch(() => undefined);
    }
    expect(resumed).toBeDefined();
    expect((await ended(host, info.id)).state).toBe('passed');
  }, 120_000);
});

describe('settings applied at once to the app’s own server', () => {
  it('a new server.model restarts the running server on it; every listener hears the switch', async () => {
    const home = tempDir('reconfigure-home-');
    const folder = (name: string): string => {
      const dir = path.join(home, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'config.json'), '{"model_type":"qwen2"}');
      fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.alloc(16));
      return dir;
    };
    const [first, second] = [folder('model-a'), folder('model-b')];
    const base = defaultConfig();
    let config: FactoryConfig = { ...base, server: { ...base.server, model: first, port: await freePort() } };
    const models: string[] = [];
    const launch: LaunchBuilder = async (port, host) => {
      models.push(config.server.model);
      return scriptedLaunch(PASSING, config.server.model)(port, host);
    };
    const control = new ServerChoice({ home, config: () => config, launch, supervisor: { stopGraceMs: 1000 } });
    onCleanup(() => control.dispose());
    const states: string[] = [];
    control.onEvent((e) => {
      if (e.type === 'server.state') states.push(`${e.state}:${e.model === second ? 'b' : 'a'}`);
    });
    expect((await control.start()).state).toBe('ready');
    const pid = control.status().pid;

    config = { ...config, server: { ...config.server, model: second } };
    await control.reconfigure();
    await waitFor('the server for the new model', () => control.status().state === 'ready' && control.status().model === second, 30_000);
    expect(models).toEqual([first, second]);
    expect(control.status().pid).not.toBe(pid);
    expect(states).toContain('stopped:b'); // "Settings changed", heard before the new start finished
    expect(states.at(-1)).toBe('ready:b');
  }, 60_000);
});
