// A session id is claimed, not just drawn: its folder under the sessions root is created
// exclusively, and the worktree folder and branch named after it must be free too. A fixed random
// source forces the collisions a soak of 577 runs once hit by chance (two runs, one events.jsonl).
// Real sessions: the scripted model server as a process, the real loop, real git.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFactoryError } from '../../src/errors/factory-error.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { runSandboxed } from '../../src/sandbox/index.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { loadSession } from '../../src/sessions/session-store.js';
import { launchSession, prepareSession, type PreparedSession, type SessionSummary } from '../../src/sessions/start-session.js';
import { appPaths } from '../../src/home/app-home.js';
import type { SessionIdSource } from '../../src/workspace/session-ids.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({
    script: { coder: [{ content: "main.py\n```python\nprint('hi')\n```\n" }], sheriff: [{ content: 'Fine.\nVERDICT: PASS' }] },
  });
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

const NOW = new Date('2026-12-06T19:29:00Z');
const STAMP = '2612061929';

/** Random bytes from a fixed list, one entry per draw (the last one repeats). */
function fixedIds(...draws: number[]): SessionIdSource & { readonly drawn: () => number } {
  let next = 0;
  return {
    now: () => NOW,
    randomBytes: (size) => Buffer.alloc(size, draws[Math.min(next++, draws.length - 1)]),
    drawn: () => next,
  };
}
const idOf = (byte: number): string => `${STAMP}-${byte.toString(16).padStart(2, '0').repeat(6)}`;

function prepare(repo: string, home: string, ids: SessionIdSource): Promise<PreparedSession> {
  return prepareSession({ description: 'Print hi', repo, cwd: repo, home, check: 'python3 main.py', ids });
}

function launch(prepared: PreparedSession): Promise<SessionSummary> {
  return launchSession(prepared, {
    model: new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 60_000 }),
    runCheck: runSandboxed,
    signal: new AbortController().signal,
  });
}

function logOf(home: string, id: string) {
  return readSessionLog(sessionFiles(path.join(home, 'sessions'), id).log).events;
}

function expectOneSession(home: string, summary: SessionSummary): void {
  const events = logOf(home, summary.id);
  expect(events.filter((e) => e.type === 'session.created')).toHaveLength(1);
  expect(events.every((e) => e.session === summary.id)).toBe(true);
  const created = events.find((e) => e.type === 'session.created');
  expect(created).toMatchObject({ branch: summary.branch, worktree: summary.worktree });
  expect(summary.branch).toBe(`factory/print-hi-${summary.id}`);
  expect(path.basename(summary.worktree)).toBe(`print-hi-${summary.id}`);
  expect(loadSession(appPaths(home), summary.id)).toMatchObject({ id: summary.id, state: 'passed' });
}

describe('claiming a session id', () => {
  it('two sessions that draw the same id at the same time get two ids, two logs, two branches and two worktrees', async () => {
    const repo = makeRepo();
    const home = makeTempDir('mlxf-home-');
    // Both plans are prepared with the same id (and preparing creates nothing); the second launch
    // finds the id's folder taken and draws 0x22.
    const first = await prepare(repo, home, fixedIds(0x11));
    const second = await prepare(repo, home, fixedIds(0x11, 0x22));
    expect(first.plan.id).toBe(idOf(0x11));
    expect(second.plan.id).toBe(idOf(0x11));
    expect(fs.existsSync(path.join(home, 'sessions'))).toBe(false);

    const summaries = await Promise.all([launch(first), launch(second)]);
    expect(summaries.map((s) => s.id).sort()).toEqual([idOf(0x11), idOf(0x22)]);
    for (const summary of summaries) {
      expect(summary.state).toBe('passed');
      expectOneSession(home, summary);
    }
    expect(fs.readdirSync(path.join(home, 'sessions')).sort()).toEqual([idOf(0x11), idOf(0x22)]);
    const branches = git(repo, 'branch', '--list', 'factory/*', '--format=%(refname:short)').trim().split('\n').sort();
    expect(branches).toEqual([`factory/print-hi-${idOf(0x11)}`, `factory/print-hi-${idOf(0x22)}`]);
    // Each branch has its own session's commit, with its own id in the trailer.
    for (const summary of summaries) {
      expect(git(repo, 'log', '-1', '--format=%(trailers:key=Factory-Session,valueonly)', summary.branch).trim()).toBe(summary.id);
    }
    // sessions list sees both.
    expect(new Set(summaries.map((s) => loadSession(appPaths(home), s.id).worktree)).size).toBe(2);
  });

  it('an id whose branch or worktree already exists (a session from another app home) is not used', async () => {
    const repo = makeRepo();
    const homeA = makeTempDir('mlxf-home-a-');
    const homeB = makeTempDir('mlxf-home-b-');
    const a = await launch(await prepare(repo, homeA, fixedIds(0x33)));
    const branchHead = git(repo, 'rev-parse', a.branch).trim();

    // Home B has no folder for that id, but the repository has its branch: B draws another id.
    const ids = fixedIds(0x33, 0x44);
    const b = await launch(await prepare(repo, homeB, ids));
    expect(a.id).toBe(idOf(0x33));
    expect(b.id).toBe(idOf(0x44));
    expect(ids.drawn()).toBe(2);
    expectOneSession(homeB, b);
    expect(fs.readdirSync(path.join(homeB, 'sessions'))).toEqual([idOf(0x44)]); // the taken id's folder was given back
    expect(git(repo, 'rev-parse', a.branch).trim()).toBe(branchHead); // A's branch untouched
    expect(logOf(homeA, a.id).filter((e) => e.type === 'session.created')).toHaveLength(1);

    // A folder left where the next id's worktree would go (its session folder is free): another id.
    const leftover = path.join(appPaths(homeB).worktrees, path.basename(path.dirname(a.worktree)), `print-hi-${idOf(0x66)}`);
    fs.mkdirSync(leftover, { recursive: true });
    fs.writeFileSync(path.join(leftover, 'keep.txt'), 'not ours\n');
    const c = await launch(await prepare(repo, homeB, fixedIds(0x66, 0x77)));
    expect(c.id).toBe(idOf(0x77));
    expectOneSession(homeB, c);
    expect(fs.readdirSync(leftover)).toEqual(['keep.txt']);
    expect(fs.readdirSync(path.join(homeB, 'sessions')).sort()).toEqual([idOf(0x44), idOf(0x77)]);
  });

  it('a source that never gives a free id stops with an error and leaves nothing behind', async () => {
    const repo = makeRepo();
    const home = makeTempDir('mlxf-home-');
    const taken = await launch(await prepare(repo, home, fixedIds(0x55)));
    const branchesBefore = git(repo, 'branch', '--list', 'factory/*');
    const worktreesBefore = git(repo, 'worktree', 'list', '--porcelain');

    const error = await launch(await prepare(repo, home, fixedIds(0x55))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isFactoryError(error) && error.code === 'INTERNAL').toBe(true);
    expect(String((error as Error).message)).toContain('free session id');
    expect(fs.readdirSync(path.join(home, 'sessions'))).toEqual([taken.id]);
    expect(logOf(home, taken.id).filter((e) => e.type === 'session.created')).toHaveLength(1);
    expect(git(repo, 'branch', '--list', 'factory/*')).toBe(branchesBefore);
    expect(git(repo, 'worktree', 'list', '--porcelain')).toBe(worktreesBefore);
  });
});
