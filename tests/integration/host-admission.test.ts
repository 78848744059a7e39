// Memory-aware admission in the app's host (#17 part 3): the sessions the host runs share one
// scheduler with the memory gate, so a third session's turn waits for memory and says so in its
// row (the UI's "waiting for memory"), then runs when memory frees; never more turns at once than
// admitted. The memory samples the host sends carry the server's prompt cache and each running
// session's estimated part of it. Real: the host, its server control and supervisor, the sessions,
// git, the sandbox and the scripted server as the supervised process. Faked: the memory source of
// the admission (the sampler reads the system's figures from a file this test writes).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { MemorySampleEvent } from '../../src/api/server-events.js';
import { loadConfig } from '../../src/config/load-config.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { appPaths } from '../../src/home/app-home.js';
import { createModelServer } from '../../src/server/create-model-server.js';
import { MemorySampler, type SystemMemoryReading } from '../../src/server/memory/memory-sampler.js';
import { git, removeTempDirs } from '../support/git-fixtures.js';
import { cleanupAll, freePort, onCleanup, scriptedLaunch, tempDir, waitFor } from './server-support.js';

afterEach(async () => {
  await cleanupAll();
  removeTempDirs();
});

const GB = 1024 ** 3;

it("holds the host's third session for memory (its row says so), admits it when memory frees, and reports the prompt cache per session", async () => {
  const home = tempDir('host-admit-home-');
  const modelDir = path.join(home, 'model');
  fs.mkdirSync(modelDir);
  // A model whose config names its KV size: 2 layers × 2 KV heads × 64 × 2 (K and V) × 2 bytes = 1 KiB per token.
  fs.writeFileSync(
    path.join(modelDir, 'config.json'),
    JSON.stringify({ model_type: 'qwen2', num_hidden_layers: 2, num_key_value_heads: 2, hidden_size: 256, num_attention_heads: 4 }),
  );
  fs.writeFileSync(path.join(modelDir, 'model.safetensors'), Buffer.alloc(16));
  const port = await freePort();
  // Turn = 1 KiB × (6000 + 8192) tokens ≈ 14 MB: the floor decides, set just above what two turns leave.
  fs.writeFileSync(
    appPaths(home).userConfig,
    [
      'server:',
      `  model: ${modelDir}`,
      `  port: ${port}`,
      '  memory_floor_gb: 2',
      'agent:',
      '  llm_concurrency: 3',
      '  max_attempts: 1',
      '  llm_timeout: 60',
      '',
    ].join('\n'),
  );
  const repo = tempDir('host-admit-repo-');
  fs.writeFileSync(path.join(repo, 'README.md'), '# r\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');

  const reply = `${'Writing the program now. '.repeat(8)}\nmain.py\n\`\`\`python\nprint('ok')\n\`\`\`\n`;
  const launch = scriptedLaunch(
    { coder: [{ content: reply, tokensPerSecond: 15 }], sheriff: [{ content: 'Fine.\nVERDICT: PASS' }] },
    modelDir,
  );
  const readConfig = () => loadConfig({ userConfigFile: appPaths(home).userConfig }).config;
  const control = createModelServer({ kind: 'app', home, config: readConfig, launch, supervisor: { stopGraceMs: 1000 } });

  const memoryFile = path.join(home, 'memory.json');
  const writeMemory = (availableBytes: number): void =>
    fs.writeFileSync(memoryFile, JSON.stringify({ totalBytes: 16 * GB, availableBytes }));
  const readSystem = async (): Promise<SystemMemoryReading> => ({
    ...(JSON.parse(await fs.promises.readFile(memoryFile, 'utf8')) as { totalBytes: number; availableBytes: number }),
    source: 'os',
  });
  // Two turns' growth (~28 MB each, charged until a sample shows it) fit above the 2 GB floor; a third does not.
  const turn = 1024 * (6000 + 8192) * 2;
  writeMemory(2 * GB + 2.5 * turn);
  const memory = new MemorySampler({ serverPid: () => null, readSystem, intervalMs: 3_600_000 });
  await memory.sampleOnce();

  const host = new FactoryHost({
    home,
    version: 'test',
    server: control,
    doctor: control.doctor,
    chatModelFor: (context) => control.chatModel(context.llmTimeoutMs),
    admissionMemory: memory,
  });
  onCleanup(() => host.shutdown());
  // The samples the host sends its clients (the Memory view): with the prompt cache once the server logged it.
  const cached: Array<NonNullable<MemorySampleEvent['promptCache']>> = [];
  host.global.subscribe((event) => {
    if (event.type === 'memory.sample' && event.promptCache !== undefined) cached.push(event.promptCache);
  });

  const infos = await Promise.all(
    ['alpha', 'beta', 'gamma'].map((name) =>
      host.sessions.start({ description: `Task ${name}: print ok`, repo, check: 'python3 main.py' }),
    ),
  );
  const ids = infos.map((i) => i.id);

  // One session's row says it waits for memory, with the figures, while the others' turns run.
  const held = await waitFor(
    'a session row waiting for memory',
    () => ids.map((id) => host.sessionInfo(id)).find((info) => info.state === 'running' && info.waitingFor !== null),
    { timeoutMs: 120_000 },
  );
  expect(held.waitingFor).toMatch(/^waiting for memory: .* free; one more turn beside \d running may take ~.*does not swap/);
  expect(host.serving.scheduler.heldForMemory).not.toBeNull();
  expect(host.serving.scheduler.state.running).toBeLessThanOrEqual(2);
  const stats = (await (await fetch(`${control.baseUrl() ?? ''}/__stats`)).json()) as { maxActive: number };
  expect(stats.maxActive).toBeLessThanOrEqual(2);

  // Memory frees: the next sample admits it, and every session passes.
  writeMemory(20 * GB);
  await memory.sampleOnce();
  for (const id of ids)
    await waitFor(`session ${id} to end`, () => !host.sessions.runsHere(id) && host.sessionInfo(id).state !== 'running', {
      timeoutMs: 120_000,
    });
  expect(ids.map((id) => host.sessionInfo(id).state)).toEqual(['passed', 'passed', 'passed']);
  expect(ids.map((id) => host.sessionInfo(id).waitingFor)).toEqual([null, null, null]);

  // The Memory view's figures: the server's prompt cache as it logged it, and the running sessions'
  // estimated parts (latest prompt tokens × the model's 1 KiB per token); ended sessions drop out.
  const withSessions = cached.filter((c) => c.sessions.length > 0);
  expect(cached.length).toBeGreaterThan(0);
  expect(withSessions.length, 'a sample taken while a session that finished a turn still ran').toBeGreaterThan(0);
  for (const c of withSessions) {
    expect(c.bytes).toBeGreaterThan(0);
    for (const s of c.sessions) {
      expect(ids).toContain(s.id);
      expect(s.bytes).toBe(Math.min(c.bytes, s.promptTokens * 1024));
    }
  }
  expect(host.serving.promptCacheView()?.sessions).toEqual([]);
}, 300_000);
