// The draft model (#17 part 4) on the REAL mlx_lm.server with two tiny models sharing one tokenizer
// (the tiny test model and a one-layer copy of it, tests/support/tiny-model/make_draft_model.py):
// the app's server starts with --draft-model while one session runs, that session completes on it,
// and when two sessions run the supervisor restarts it without the draft — only while no request is
// in flight — saying so in its log and in the state every view shows. Fails (does not skip) when
// the test dependencies are missing.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ServerStateEvent } from '../../src/api/server-events.js';
import { loadConfig } from '../../src/config/load-config.js';
import { appPaths } from '../../src/home/app-home.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { createModelServer } from '../../src/server/create-model-server.js';
import { serverPaths } from '../../src/server/server-paths.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { git, removeTempDirs } from '../support/git-fixtures.js';
import { makeTinyDraftModel, mlxServerEnv, testDeps, tinyModelInfo } from '../support/test-deps.js';
import { cleanupAll, freePort, onCleanup, tempDir, waitFor } from './server-support.js';

afterEach(async () => {
  await cleanupAll();
  removeTempDirs();
});

it('serves one session with --draft-model, and restarts without it (when idle) once two sessions run', async () => {
  const deps = testDeps();
  const info = tinyModelInfo(deps);
  const draft = makeTinyDraftModel(path.join(tempDir('draft-model-'), 'tiny-draft'), deps);
  const home = tempDir('draft-home-');
  const port = await freePort();
  fs.writeFileSync(
    appPaths(home).userConfig,
    [
      'server:',
      `  model: ${deps.model}`,
      `  python: ${deps.python}`,
      `  port: ${port}`,
      `  draft_model: ${draft}`,
      '  num_draft_tokens: 2',
      'agent:',
      '  max_attempts: 2',
      '  llm_timeout: 120',
      '',
    ].join('\n'),
  );
  const repo = tempDir('draft-repo-');
  fs.writeFileSync(path.join(repo, 'README.md'), '# r\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');

  const readConfig = () => loadConfig({ userConfigFile: appPaths(home).userConfig }).config;
  const control = createModelServer({ kind: 'app', home, config: readConfig, env: mlxServerEnv(), supervisor: { stopGraceMs: 3000 } });
  const host = new FactoryHost({
    home,
    version: 'test',
    server: control,
    doctor: control.doctor,
    chatModelFor: (context) => control.chatModel(context.llmTimeoutMs),
  });
  onCleanup(() => host.shutdown());
  const states: ServerStateEvent[] = [];
  host.global.subscribe((event) => {
    if (event.type === 'server.state') states.push(event as unknown as ServerStateEvent);
  });
  const launches = (): string[] =>
    fs
      .readFileSync(serverPaths(home).logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('Launching: ') && line.includes(' -m mlx_lm server '));
  const ended = (id: string) =>
    waitFor(`session ${id} to end`, () => !host.sessions.runsHere(id) && host.sessionInfo(id).state !== 'running', { timeoutMs: 300_000 });

  // One session: the server is launched with the draft and the session's turns are answered by it.
  const one = await host.sessions.start({ description: 'Print ok', repo, check: 'true', maxAttempts: 1 });
  await ended(one.id);
  expect(launches()).toHaveLength(1);
  expect(launches()[0]).toContain(`--draft-model ${draft} --num-draft-tokens 2`);
  const ready = states.filter((s) => s.state === 'ready');
  expect(ready.at(-1)?.detail).toContain(`Speculative decoding with the draft model ${draft}`);
  const finished = readSessionLog(sessionFiles(host.paths.sessions, one.id).log).events.filter((e) => e.type === 'turn.finished');
  expect(finished.length).toBeGreaterThan(0);
  expect(finished[0]?.type === 'turn.finished' ? finished[0].usage?.completionTokens : null).toBe(info.completion_tokens);
  expect(['passed', 'failed', 'budget_exhausted', 'stagnated']).toContain(host.sessionInfo(one.id).state);

  // Two sessions at once: restarted without the draft, said in the log and in the ready state.
  const [two, three] = await Promise.all([
    host.sessions.start({ description: 'Print ok again', repo, check: 'true', maxAttempts: 2 }),
    host.sessions.start({ description: 'Print ok once more', repo, check: 'true', maxAttempts: 2 }),
  ]);
  await waitFor('a launch without the draft', () => launches().length >= 2, { timeoutMs: 300_000 });
  expect(launches()[1]).not.toContain('--draft-model');
  const log = fs.readFileSync(serverPaths(home).logFile, 'utf8');
  expect(log).toMatch(
    /Restarting without the draft model .*: 2 sessions run now, and mlx_lm\.server batches their turns only without a draft/,
  );
  await waitFor(
    'the ready state without the draft',
    () => states.some((s) => s.state === 'ready' && s.detail.includes('Without the draft model')),
    {
      timeoutMs: 300_000,
    },
  );
  const stoppedFor = states.find((s) => s.state === 'stopped' && s.detail.startsWith('Restarting without the draft model'));
  expect(stoppedFor, 'the UI server status says why it restarted').toBeDefined();
  await ended(two.id);
  await ended(three.id);
  // Both completed on the server without the draft (their turns were answered by the tiny model).
  for (const id of [two.id, three.id]) {
    const turns = readSessionLog(sessionFiles(host.paths.sessions, id).log).events.filter((e) => e.type === 'turn.finished');
    expect(turns.length).toBeGreaterThan(0);
  }
  await control.draft?.settled();
}, 600_000);
