// The app's own server behind the typed API (src/host's ServerControl / DoctorProvider shape), built
// as the host builds it (createModelServer 'app': ServerChoice over SupervisorControl, the former
// sampling memory), with the scripted server standing in for mlx_lm.
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/api/server-events.js';
import { defaultConfig, type FactoryConfig } from '../../src/config/config-schema.js';
import type { DoctorProvider, ServerControl } from '../../src/host/server-control.js';
import { createModelServer } from '../../src/server/create-model-server.js';
import { testDeps } from '../support/test-deps.js';
import { cleanupAll, CODER_SYSTEM, expectGone, freePort, onCleanup, scriptedLaunch, tempDir, waitFor } from './server-support.js';

afterEach(cleanupAll);

describe("the app's own server (SupervisorControl under ServerChoice)", () => {
  it('starts, reports, streams events and memory while listened to, serves sessions, stops', async () => {
    const model = testDeps().model;
    const base = defaultConfig();
    const config: FactoryConfig = { ...base, server: { ...base.server, model, port: await freePort() } };
    const control = createModelServer({
      kind: 'app',
      home: tempDir('server-control-home-'),
      config: () => config,
      launch: scriptedLaunch({ coder: [{ content: 'print("hi")' }] }, model),
      supervisor: { stopGraceMs: 1000 },
    });
    onCleanup(() => control.dispose());
    // It fits the host's contracts as they are.
    const asServer: ServerControl = control;
    const asDoctor: DoctorProvider = control.doctor;

    expect(asServer.status()).toMatchObject({ state: 'stopped', model, url: null });
    const events: ServerEvent[] = [];
    const off = asServer.onEvent((e) => events.push(e));
    await waitFor('a memory sample while listened to', () => events.some((e) => e.type === 'memory.sample'));

    const status = await asServer.start({});
    expect(status).toMatchObject({ state: 'ready', model, owned: true, restarts: 0 });
    expect(asServer.baseUrl()).toBe(status.url);
    expect(events.filter((e) => e.type === 'server.state').map((e) => (e.type === 'server.state' ? e.state : ''))).toEqual([
      'starting',
      'starting',
      'ready',
    ]);
    expect(events.some((e) => e.type === 'server.log' && e.stream === 'server' && e.line.includes('Starting httpd'))).toBe(true);
    await waitFor(
      'a sample of the server process',
      () => events.some((e) => e.type === 'memory.sample' && e.server?.pids.includes(status.pid ?? -1)),
      3000,
    );

    const chat = await control.chatModel(10_000);
    const reply = await chat.chat({
      messages: [
        { role: 'system', content: CODER_SYSTEM },
        { role: 'user', content: 'go' },
      ],
      maxTokens: 100,
      temperature: 0,
    });
    expect(reply.content).toBe('print("hi")');

    const logs = await asServer.logs(50);
    expect(logs.file).toMatch(/logs\/mlx-server\.log$/);
    expect(logs.lines.join('\n')).toContain('[supervisor] Launching:');
    const { models, current } = await asServer.models();
    expect(current).toBe(model);
    expect(models.filter((m) => m.recommended).map((m) => m.id)).toContain('mlx-community/Qwen2.5-Coder-7B-Instruct-4bit');

    const checks = await asDoctor.run();
    expect(checks.map((c) => c.id)).toEqual(expect.arrayContaining(['platform', 'python', 'mlx', 'mlx-lm', 'port', 'memory', 'model']));
    for (const c of checks) expect(['ok', 'warn', 'error']).toContain(c.status);

    off();
    const count = events.length;
    const stopped = await asServer.stop();
    expect(stopped.state).toBe('stopped');
    expect(asServer.baseUrl()).toBeNull();
    await expectGone(status.pid ?? -1);
    expect(events.length).toBe(count); // unsubscribed: nothing more arrives
  });
});
