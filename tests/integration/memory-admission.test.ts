import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { LlmScheduler } from '../../src/llm/llm-scheduler.js';
import { runSandboxed } from '../../src/sandbox/index.js';
import { MemoryAdmission } from '../../src/server/memory/memory-admission.js';
import { MemorySampler, type SystemMemoryReading } from '../../src/server/memory/memory-sampler.js';
import { UrlModelServer } from '../../src/server/model-server.js';
import { launchSession, prepareSession } from '../../src/sessions/start-session.js';
import { git } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Memory-aware admission (#17) with real sessions on the scripted server. The memory source is the
 * faked part: the sampler reads the system's figures from a file this test writes. The scheduler,
 * the gate, the sessions and their logs are the real ones.
 */
const GB = 1024 ** 3;
let server: ScriptedServer;
let tmp: string;

beforeAll(async () => {
  server = await startScriptedServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-admit-'));
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('lets two turns run, holds the third for memory and says why, then starts it when memory frees', async () => {
  const repo = path.join(tmp, 'repo');
  fs.mkdirSync(repo);
  fs.writeFileSync(path.join(repo, 'README.md'), '# r\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  const home = path.join(tmp, 'home');

  const memoryFile = path.join(tmp, 'memory.json');
  const writeMemory = (availableBytes: number): void =>
    fs.writeFileSync(memoryFile, JSON.stringify({ totalBytes: 16 * GB, availableBytes }));
  const readSystem = async (): Promise<SystemMemoryReading> => ({
    ...(JSON.parse(await fs.promises.readFile(memoryFile, 'utf8')) as { totalBytes: number; availableBytes: number }),
    source: 'os',
  });
  // Floor 2.4 GB; a turn's 1 GB of KV is charged twice (live, then its prefix kept in the prompt
  // cache) = 2 GB, and every turn granted since the sample is charged too:
  // 1st turn: always; 2nd: 7 − 2 − 2 = 3 ≥ 2.4; 3rd: 7 − 4 − 2 = 1 < 2.4 → waits until a sample.
  writeMemory(7 * GB);
  const sampler = new MemorySampler({ serverPid: () => null, readSystem, intervalMs: 3_600_000 });
  await sampler.sampleOnce();
  const gate = new MemoryAdmission({ memory: sampler, floorBytes: 2.4 * GB, turnBytes: 1 * GB });
  const scheduler = new LlmScheduler(3, gate);

  const reply = `${'Writing the program now. '.repeat(8)}\nmain.py\n\`\`\`python\nprint('ok')\n\`\`\`\n`;
  await server.setScript({
    coder: [{ content: reply, tokensPerSecond: 15 }],
    sheriff: [{ content: 'Fine.\nVERDICT: PASS' }],
  });
  await server.clearRequests();

  const http = new UrlModelServer({ url: server.url });
  await http.ensure();
  const model = http.chatModel(120_000);
  const events = new Map<string, SessionEvent[]>();
  const prepared = await Promise.all(
    ['alpha', 'beta', 'gamma'].map((name) =>
      prepareSession({ description: `Task ${name}: print ok`, repo, cwd: repo, home, check: 'python3 main.py' }),
    ),
  );
  const controller = new AbortController();
  const runs = prepared.map((p) =>
    launchSession(p, {
      model,
      runCheck: runSandboxed,
      signal: controller.signal,
      scheduler,
      onLog: (log) => {
        const list: SessionEvent[] = [];
        events.set(p.plan.id, list);
        log.subscribe((e) => list.push(e));
      },
    }),
  );

  // The third session's first turn is told it waits for memory, with the figures, and does not start.
  const heldFirst = (): [string, SessionEvent] | undefined => {
    for (const [id, list] of events) {
      const e = list.find((x) => x.type === 'turn.queued' && x.reason === 'memory');
      // (turn.started is logged when the prompt is built, before the scheduler grants the turn.)
      if (e && !list.some((x) => x.type === 'token.delta' || x.type === 'turn.finished')) return [id, e];
    }
    return undefined;
  };
  const [heldId, held] = await waitFor('a session whose first turn waits for memory', heldFirst, {
    timeoutMs: 120_000,
    detail: () => JSON.stringify([...events.values()].map((l) => l.map((e) => e.type).filter((t) => t !== 'token.delta'))),
  });
  expect(held.type === 'turn.queued' ? held.message : '').toMatch(
    /free; one more turn beside \d running may take ~2(\.0)? GB.*does not swap/,
  );
  expect(scheduler.heldForMemory).not.toBeNull();
  // Never more turns at once than admitted: two.
  expect((await server.stats()).maxActive).toBeLessThanOrEqual(2);
  expect(scheduler.state.running).toBeLessThanOrEqual(2);

  // Memory frees: a new sample admits it.
  writeMemory(20 * GB);
  await sampler.sampleOnce();
  const summaries = await Promise.all(runs);
  expect(summaries.map((s) => s.state)).toEqual(['passed', 'passed', 'passed']);
  const heldEvents = events.get(heldId)!;
  const queuedAt = heldEvents.findIndex((e) => e.type === 'turn.queued' && e.reason === 'memory');
  expect(heldEvents.findIndex((e) => e.type === 'turn.finished')).toBeGreaterThan(queuedAt);
}, 300_000);
