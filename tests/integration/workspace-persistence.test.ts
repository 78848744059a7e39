// Sessions survive a restart: rebuilt from their logs (a half-written last line tolerated, meta.json
// re-created), a run whose process died is `interrupted`, and `resume` continues it from its last
// completed step — here after a real SIGKILL of a real `mlx-factory run` process.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { appPaths } from '../../src/home/app-home.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { runSandboxed } from '../../src/sandbox/index.js';
import { resumeSession } from '../../src/sessions/resume-session.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { readListCache, sessionFiles } from '../../src/sessions/session-meta.js';
import { loadAllSessions, loadSession, reconcileSessions } from '../../src/sessions/session-store.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { runCli } from '../support/run-cli.js';
import { git, makeRepo, makeTempDir, removeTempDirs, revParse } from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

const code = (body: string): string => `main.py\n\`\`\`python\n${body}\n\`\`\`\n`;
const model = () => new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 30_000 });
const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max default: never a live process

describe('rebuilding sessions from their logs', () => {
  it('lists sessions from the logs alone, tolerating a half-written last line and a lost meta.json', async () => {
    const repo = makeRepo();
    const home = makeTempDir('mlxf-home-');
    const paths = appPaths(home);
    const done = await createSessionFixture({ repo, home, name: 'finished one' });
    await addStep(done, { files: { 'a.txt': 'a\n' } });
    finishSession(done, 'failed');
    const files = sessionFiles(paths.sessions, done.id);
    fs.rmSync(files.meta, { force: true });
    fs.appendFileSync(files.log, '{"type":"token.delta","session":"x","seq":99,"ti'); // the process died mid-write

    const listing = reconcileSessions(paths);

    expect(listing.sessions.map((s) => [s.id, s.state, s.attempts, s.steps])).toEqual([[done.id, 'failed', 1, 1]]);
    expect(loadSession(paths, done.id).partialTail).toBe(true);
    expect(readListCache(files.meta)?.row).toMatchObject({ id: done.id, state: 'failed', headCommit: done.commits[0], pid: null });
  });

  it('shows a session whose process is gone as interrupted, and records that once in its log', async () => {
    const repo = makeRepo();
    const home = makeTempDir('mlxf-home-');
    const paths = appPaths(home);
    const dead = await createSessionFixture({ repo, home, pid: DEAD_PID });
    await addStep(dead, { files: { 'a.txt': 'a\n' } });
    const live = await createSessionFixture({ repo, home }); // this process: alive

    expect(
      loadAllSessions(paths)
        .sessions.map((s) => [s.id, s.state])
        .sort(),
    ).toEqual(
      [
        [dead.id, 'interrupted'],
        [live.id, 'running'],
      ].sort(),
    );
    expect(reconcileSessions(paths).interrupted).toEqual([dead.id]);
    expect(reconcileSessions(paths).interrupted).toEqual([]);
    const events = readSessionLog(sessionFiles(paths.sessions, dead.id).log).events;
    expect(events.filter((e) => e.type === 'session.interrupted')).toEqual([
      expect.objectContaining({ pid: DEAD_PID, lastAttempt: 1, lastStep: 1 }),
    ]);
    expect(readListCache(sessionFiles(paths.sessions, dead.id).meta)?.row).toMatchObject({ state: 'interrupted', pid: null });
  });
});

describe('resume', () => {
  it('continues a run killed with SIGKILL from its last completed step', async () => {
    const repo = makeRepo({ files: { 'README.md': 'demo\n' } });
    const home = makeTempDir('mlxf-home-');
    const paths = appPaths(home);
    // Attempt 1 fails; attempt 2 commits its edit, then the Sheriff never answers and the process is killed.
    await server.setScript({
      coder: [{ content: code('print(1/0)') }, { content: code("print('hello')") }],
      sheriff: [{ content: 'Division by zero; print hello instead.\nVERDICT: FAIL' }, { content: 'never sent', fault: 'hang' }],
    });
    let pid = 0;
    let killed = false;
    let pending = '';
    const run = await runCli(['run', 'Print hello', '--server-url', server.url, '--json', '--check', 'python3 main.py'], {
      cwd: repo,
      home,
      onSpawn: (p) => (pid = p),
      onStdout: (text) => {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (!killed && line.includes('"type":"turn.started"') && line.includes('"attempt":2') && line.includes('"persona":"sheriff"')) {
            killed = true;
            process.kill(pid, 'SIGKILL');
          }
        }
      },
    });
    expect(run.signal).toBe('SIGKILL');
    const [row] = loadAllSessions(paths).sessions;
    if (row === undefined) throw new Error('no session');
    const record = loadSession(paths, row.id);
    expect(record).toMatchObject({ state: 'interrupted', attempts: 2, currentSteps: [1, 2] });
    const step2 = record.steps[1]?.sha ?? '';
    // Half-done work lying in the worktree (as if an edit had been applied but not committed).
    fs.writeFileSync(path.join(record.worktree, 'half.py'), 'half written\n');
    fs.appendFileSync(record.logFile, '{"type":"token.delta","ses');

    await server.setScript({ coder: [{ content: code("print('hello!')") }], sheriff: [{ content: 'Prints hello.\nVERDICT: PASS' }] });
    await server.clearRequests();
    const summary = await resumeSession(paths, record.id, { model: model(), runCheck: runSandboxed, signal: new AbortController().signal });

    expect(summary).toMatchObject({ state: 'passed', attempts: 2 });
    const events = readSessionLog(record.logFile).events;
    const after = events.slice(events.findIndex((e) => e.type === 'session.interrupted'));
    expect(after[0]).toMatchObject({ type: 'session.interrupted', lastAttempt: 2, lastStep: 2 });
    expect(after[1]).toMatchObject({
      type: 'session.resumed',
      pid: process.pid,
      fromAttempt: 2,
      fromStep: 2,
      worktreeRestored: false,
      droppedRef: `refs/factory/${record.id}/interrupted/1`,
    });
    expect(
      after.filter((e) => e.type === 'attempt.started').map((e) => (e as Extract<SessionEvent, { type: 'attempt.started' }>).attempt),
    ).toEqual([2]);
    expect(after.find((e) => e.type === 'commit')).toMatchObject({ attempt: 2, step: 3 });
    // Continued on top of step 2; the half-done file was put aside, not lost.
    const head = revParse(repo, record.branch);
    expect(git(repo, 'rev-parse', `${head}^`).trim()).toBe(step2);
    expect(fs.existsSync(path.join(record.worktree, 'half.py'))).toBe(false);
    expect(git(repo, 'show', `refs/factory/${record.id}/interrupted/1:half.py`)).toBe('half written\n');
    // The Coder's prompt carried the memory of attempt 1 rebuilt from the log.
    const coderPrompt =
      (await server.requests()).filter((r) => r.persona === 'coder').map((r) => r.messages.map((m) => String(m.content)).join('\n'))[0] ??
      '';
    expect(coderPrompt).toContain('Attempt 1: edited main.py; check exited 1 (ZeroDivisionError: division by zero); Sheriff FAIL');
    expect(coderPrompt).toContain('print hello instead');
    expect(coderPrompt).toContain("print('hello')"); // the current file: step 2's content
    const final = loadSession(paths, record.id);
    expect(final.state).toBe('passed');
    expect(final.tokens.prompt).toBeGreaterThan(record.tokens.prompt);
    expect(readListCache(sessionFiles(paths.sessions, record.id).meta)?.row).toMatchObject({ state: 'passed', pid: null });
  });

  it('makes the worktree again when its folder was deleted, and refuses sessions that cannot be resumed', async () => {
    const repo = makeRepo();
    const home = makeTempDir('mlxf-home-');
    const paths = appPaths(home);
    const session = await createSessionFixture({ repo, home, pid: DEAD_PID });
    await addStep(session, { files: { 'main.py': "print('x')\n" } });
    fs.rmSync(session.worktree, { recursive: true, force: true });
    await server.setScript({ coder: [{ content: code("print('hello')") }], sheriff: [{ content: 'VERDICT: PASS' }] });

    const summary = await resumeSession(paths, session.id, {
      model: model(),
      runCheck: runSandboxed,
      signal: new AbortController().signal,
    });

    expect(summary.state).toBe('passed');
    expect(fs.readFileSync(path.join(session.worktree, 'main.py'), 'utf8')).toBe("print('hello')\n");
    const resumed = readSessionLog(sessionFiles(paths.sessions, session.id).log).events.find((e) => e.type === 'session.resumed');
    expect(resumed).toMatchObject({ worktreeRestored: true, fromAttempt: 1, fromStep: 1 });
    await expect(
      resumeSession(paths, session.id, { model: model(), runCheck: runSandboxed, signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: 'SESSION_NOT_RESUMABLE',
      message: expect.stringContaining('is passed'),
    });
    const running = await createSessionFixture({ repo, home });
    await expect(
      resumeSession(paths, running.id, { model: model(), runCheck: runSandboxed, signal: new AbortController().signal }),
    ).rejects.toMatchObject({ code: 'SESSION_RUNNING' });
  });
});
