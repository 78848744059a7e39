import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FactoryHost } from '../../src/host/factory-host.js';
import { listSessions } from '../../src/host/session-views.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { appPaths } from '../../src/home/app-home.js';
import { createHost } from '../../src/host/create-host.js';
import { readSessionLog, SessionLog } from '../../src/sessions/session-log.js';
import { readListCache, sessionFiles } from '../../src/sessions/session-meta.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { StubServerControl } from '../support/stub-server-control.js';

/** The host's life: quitting with sessions running, and coming back after a crash. */
let model: ScriptedServer;
let tmp: string;
beforeAll(async () => {
  model = await startScriptedServer();
});
afterAll(async () => {
  await model.stop();
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function repoIn(dir: string): string {
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo, { recursive: true });
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'U',
    GIT_AUTHOR_EMAIL: 'u@example.com',
    GIT_COMMITTER_NAME: 'U',
    GIT_COMMITTER_EMAIL: 'u@example.com',
  };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
  fs.writeFileSync(path.join(repo, 'README.md'), '# demo\n');
  execFileSync('git', ['add', '-A'], { cwd: repo, env });
  execFileSync('git', ['commit', '-qm', 'init'], { cwd: repo, env });
  return repo;
}

describe('FactoryHost', () => {
  it('on quit, stops running sessions at a step boundary, marks them interrupted, and stops the server', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf lifecycle '));
    const stub = new StubServerControl(model.url);
    const host = new FactoryHost({
      home: path.join(tmp, 'home'),
      version: 'test',
      server: stub,
      chatModelFor: ({ llmTimeoutMs }) => new OpenAiChatModel({ baseUrl: model.url, timeoutMs: llmTimeoutMs }),
    });
    await model.setScript({
      coder: [{ content: 'main.py\n```python\nprint(1)\n```\n', fault: 'hang' }],
      sheriff: [{ content: 'VERDICT: PASS' }],
    });
    const finished: string[] = [];
    host.onSessionFinished((info) => finished.push(info.state));
    const info = await host.sessions.start({ description: 'Print one', repo: repoIn(tmp), check: 'python3 main.py' });
    expect(host.sessions.runningIds).toEqual([info.id]);
    const started = Date.now();
    await host.shutdown();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(host.sessions.runningIds).toEqual([]);
    expect(readListCache(sessionFiles(host.paths.sessions, info.id).meta)?.row).toMatchObject({ state: 'interrupted', pid: null });
    expect(readSessionLog(sessionFiles(host.paths.sessions, info.id).log).events.at(-1)).toMatchObject({ type: 'session.interrupted' });
    expect(listSessions(host.paths, () => false)[0]).toMatchObject({ id: info.id, state: 'interrupted', live: false });
    expect(finished).toEqual(['interrupted']);
    expect(stub.disposed).toBe(true);
  });

  it('lists a session whose process died mid-run as interrupted, and createHost records it in the log', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf lifecycle '));
    const home = path.join(tmp, 'home');
    const paths = appPaths(home);
    const id = '2501011200-abcdef';
    const files = sessionFiles(paths.sessions, id);
    const log = SessionLog.open(id, files.log);
    log.append({
      type: 'session.created',
      task: { name: 'crashed', description: 'crashed', constraints: [], check: 'true', files: [] },
      repo: tmp,
      worktree: tmp,
      branch: `factory/crashed-${id}`,
      baseCommit: 'a'.repeat(40),
      baseBranch: 'main',
      uncommittedNotIncluded: [],
      limits: { maxAttempts: 5, executionTimeout: 60, llmTimeout: 120, totalTokenBudget: 100_000, maxPromptTokens: 6000 },
    });
    log.append({ type: 'attempt.started', attempt: 1 });
    log.close();
    const now = new Date().toISOString();
    // meta.json as the first versions wrote it, with a pid no process has: the session's process is gone.
    writeLegacyMeta(files.meta, {
      id,
      name: 'crashed',
      repo: tmp,
      worktree: tmp,
      branch: `factory/crashed-${id}`,
      baseCommit: 'a'.repeat(40),
      baseBranch: 'main',
      createdAt: now,
      updatedAt: now,
      state: 'running',
      reason: '',
      attempts: 1,
      tokens: { prompt: 0, completion: 0 },
      headCommit: 'a'.repeat(40),
      pid: 2 ** 22 + 12345,
    });
    expect(listSessions(paths, () => false)).toMatchObject([{ id, state: 'interrupted', live: false }]);
    const host = createHost({ home, version: 'test' });
    expect(readSessionLog(files.log).events.at(-1)).toMatchObject({ type: 'session.interrupted', lastAttempt: 1 });
    expect(readListCache(files.meta)?.row).toMatchObject({ state: 'interrupted', pid: null });
    await host.shutdown();
  });
});

function writeLegacyMeta(file: string, meta: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(meta, null, 2));
}
