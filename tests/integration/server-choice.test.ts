// Settings → Server: "the app's own MLX server" or "an OpenAI-compatible server at URL", applied at
// once through the typed API (IPC transport): the real host from createHost, the scripted server as
// the external one, a real git repository for a session that runs through it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FactoryApi } from '../../src/api/client/factory-api.js';
import { GLOBAL_STREAM, type ApiEvent } from '../../src/api/global-events.js';
import { createIpcClient } from '../../src/api/client/ipc-client.js';
import { createHost } from '../../src/host/create-host.js';
import type { FactoryHost } from '../../src/host/factory-host.js';
import { registerIpcHandlers } from '../../src/host/register-ipc.js';
import { readApiKey } from '../../src/server/external/api-key.js';
import { freePort } from '../support/free-port.js';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { IpcMainHarness } from '../support/ipc-harness.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { waitFor } from '../support/wait-for.js';

let tmp: string;
let host: FactoryHost;
let api: FactoryApi;
let external: ScriptedServer;
const events: ApiEvent[] = [];

function serverStates(): Array<Extract<ApiEvent, { type: 'server.state' }>> {
  return events.filter((e): e is Extract<ApiEvent, { type: 'server.state' }> => e.type === 'server.state');
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'server-choice-'));
  const home = path.join(tmp, 'home');
  const modelDir = path.join(tmp, 'model');
  fs.mkdirSync(home);
  fs.mkdirSync(modelDir);
  fs.writeFileSync(path.join(modelDir, 'config.json'), '{"model_type":"qwen2"}');
  fs.writeFileSync(path.join(modelDir, 'model.safetensors'), Buffer.alloc(16));
  fs.writeFileSync(
    path.join(home, 'factory.yaml'),
    `server:\n  model: ${modelDir}\n  port: ${await freePort()}\nagent:\n  max_attempts: 2\n`,
  );
  external = await startScriptedServer({
    model: 'lan-coder-7b',
    script: { coder: [{ content: 'main.py\n```python\nprint("hi")\n```\n' }], sheriff: [{ content: 'Prints hi.\n\nVERDICT: PASS' }] },
  });
  host = createHost({ home, version: 'test' });
  const ipcMain = new IpcMainHarness();
  registerIpcHandlers(ipcMain, host, { isTrustedSender: ipcMain.isTrustedSender, native: { notifications: false } });
  api = createIpcClient(ipcMain.createRenderer().ipcRenderer, () => null);
  api.onEvent((event) => events.push(event));
  await api.subscribe(GLOBAL_STREAM);
});

afterAll(async () => {
  await host?.shutdown();
  await external?.stop();
  removeTempDirs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('server choice in Settings', () => {
  it('switches to an external URL at once, lists its /v1/models, runs a session through it, and switches back', async () => {
    const before = await api.request('server.status', {});
    expect(before.ok && before.data.state).toBe('stopped');

    // server.model names a local folder; the external server does not serve it, so its first model is used.
    const wrote = await api.request('config.write', { patch: { server: { url: external.url } } });
    expect(wrote.ok).toBe(true);
    // Every view hears it: first "Settings changed", then the server is checked and in use.
    await waitFor('the external server to be in use', () => serverStates().some((e) => e.state === 'adopted'));
    expect(serverStates().find((e) => e.detail.startsWith('Settings changed'))?.detail).toBe(
      `Settings changed: using the OpenAI-compatible server at ${external.url}.`,
    );
    const status = await api.request('server.status', {});
    expect(status.ok && status.data).toMatchObject({ state: 'adopted', url: external.url, owned: false, model: 'lan-coder-7b' });
    expect(status.ok && status.data.detail).toMatch(
      /^Using lan-coder-7b \(\/.*\/model is not served there\) on the OpenAI-compatible server at http/,
    );
    const models = await api.request('models.list', {});
    expect(models.ok && models.data.models.map((m) => m.id)).toEqual(['lan-coder-7b']);
    // The Models view still sees this machine's models (recommended + Hugging Face cache).
    expect(models.ok && models.data.local?.filter((m) => m.recommended).map((m) => m.id)).toContain(
      'mlx-community/Qwen2.5-Coder-7B-Instruct-4bit',
    );

    const repo = makeRepo({ files: { 'README.md': '# hi\n' } });
    const started = await api.request('sessions.start', { description: 'Print hi', repo, check: 'python3 main.py' });
    if (!started.ok) throw new Error(started.error.message);
    const ended = (): string | undefined => {
      const last = events.filter((e) => e.type === 'session.updated' && e.info.id === started.data.id).at(-1);
      return last?.type === 'session.updated' && last.info.state !== 'running' ? last.info.state : undefined;
    };
    await waitFor('the session to end', () => ended() !== undefined, 30_000);
    expect(ended()).toBe('passed');
    const asked = await external.requests();
    // First the one-off probe for tool support (#17), then the session's turns: all with the chosen model.
    expect(asked.map((r) => [r.persona, r.model])).toEqual([
      ['other', 'lan-coder-7b'],
      ['coder', 'lan-coder-7b'],
      ['sheriff', 'lan-coder-7b'],
    ]);

    // Stopping an external server only stops using it.
    const stopped = await api.request('server.stop', {});
    expect(stopped.ok && stopped.data.detail).toBe(`Not using ${external.url} (it keeps running; it is not ours to stop).`);

    const back = await api.request('config.write', { patch: { server: { url: null } } });
    expect(back.ok).toBe(true);
    const own = await api.request('server.status', {});
    expect(own.ok && own.data).toMatchObject({ state: 'stopped', owned: false, url: null });
    await waitFor('the switch back to be heard', () => serverStates().at(-1)?.detail.includes("the app's own MLX server") === true);
    expect(serverStates().at(-1)?.detail).toBe(`Settings changed: using the app's own MLX server for ${path.join(tmp, 'model')}.`);
  }, 60_000);

  it('an API key comes from the named environment variable; a missing one is a clear failure, retried by Start', async () => {
    delete process.env['MLXF_TEST_SERVER_KEY'];
    await api.request('config.write', { patch: { server: { url: external.url, api_key_env: 'MLXF_TEST_SERVER_KEY' } } });
    await waitFor(
      'the check to fail',
      () => serverStates().at(-1)?.state === 'failed' && serverStates().at(-1)?.detail.includes('api_key_env') === true,
    );
    expect(serverStates().at(-1)?.detail).toMatch(
      /^server\.api_key_env names MLXF_TEST_SERVER_KEY, but no key was found\. Set MLXF_TEST_SERVER_KEY in the environment the app starts from\./,
    );
    process.env['MLXF_TEST_SERVER_KEY'] = 'sk-local-test';
    const retried = await api.request('server.start', {});
    expect(retried.ok && retried.data.state).toBe('adopted');
    expect(await readApiKey('MLXF_TEST_SERVER_KEY')).toBe('sk-local-test');
    delete process.env['MLXF_TEST_SERVER_KEY'];
  }, 30_000);

  it('factory.yaml takes only a variable name for the key, never a URL without a scheme', async () => {
    const bad = await api.request('config.write', { patch: { server: { api_key_env: 'sk-123 secret' } } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toMatch(/server\.api_key_env.*an environment variable name/);
    const url = await api.request('config.write', { patch: { server: { url: '192.168.1.2:8080' } } });
    expect(!url.ok && url.error.message).toMatch(/server\.url.*an http\(s\) URL/);
  });
});
