// A new session's worktree gets the ignored files workspace.include lists and runs workspace.setup
// (its output in the session log) before the first attempt; submodules get a warning. Real sessions:
// the scripted model server as a process, the real loop, real git.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { runSandboxed } from '../../src/sandbox/index.js';
import { trustContent, trustFileBeside } from '../../src/config/project-trust.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { launchSession, prepareSession, type SessionSummary } from '../../src/sessions/start-session.js';
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

/** What `mlx-factory trust REPO` does: the repository's factory.yaml, as it is now, is the user's. */
function trustProject(repo: string, home: string): void {
  const file = path.join(repo, 'factory.yaml');
  trustContent(trustFileBeside(path.join(home, 'factory.yaml')), file, fs.readFileSync(file));
}

async function runSession(
  repo: string,
  home: string,
  options: { trusted?: boolean } = {},
): Promise<{ summary: SessionSummary; events: SessionEvent[] }> {
  await server.clearRequests();
  if (options.trusted !== false && fs.existsSync(path.join(repo, 'factory.yaml'))) trustProject(repo, home);
  const prepared = await prepareSession({ description: 'Print hi', repo, cwd: repo, home, check: 'python3 main.py' });
  const summary = await launchSession(prepared, {
    model: new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 30_000 }),
    runCheck: runSandboxed,
    signal: new AbortController().signal,
  });
  return { summary, events: readSessionLog(sessionFiles(path.join(home, 'sessions'), summary.id).log).events };
}

const ofType = <T extends SessionEvent['type']>(events: SessionEvent[], type: T) =>
  events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

describe('workspace.include and workspace.setup', () => {
  it('copies the listed ignored files, runs setup in the new worktree with its output logged, then runs the session', async () => {
    const repo = makeRepo({
      files: {
        '.gitignore': '.env\nsecrets/\n*.local\n',
        'factory.yaml':
          'workspace:\n  include: [".env", "secrets", "*.local", "missing.txt"]\n  setup: "echo setting up; ls -a > setup-saw.txt; echo warn >&2"\n',
        'README.md': 'readme\n',
      },
    });
    fs.writeFileSync(path.join(repo, '.env'), 'API_KEY=local-only\n');
    fs.mkdirSync(path.join(repo, 'secrets'));
    fs.writeFileSync(path.join(repo, 'secrets', 'key.pem'), Buffer.from([1, 2, 3, 0, 255]));
    fs.writeFileSync(path.join(repo, 'db.local'), 'sqlite\n');
    const home = makeTempDir('mlxf-home-');

    const { summary, events } = await runSession(repo, home);

    expect(summary.state).toBe('passed');
    const wt = summary.worktree;
    expect(fs.readFileSync(path.join(wt, '.env'), 'utf8')).toBe('API_KEY=local-only\n');
    expect(fs.readFileSync(path.join(wt, 'secrets', 'key.pem'))).toEqual(Buffer.from([1, 2, 3, 0, 255]));
    expect(fs.readFileSync(path.join(wt, 'db.local'), 'utf8')).toBe('sqlite\n');
    expect(ofType(events, 'workspace.included')).toEqual([
      expect.objectContaining({ copied: ['.env', 'db.local', 'secrets'], missing: ['missing.txt'] }),
    ]);
    expect(
      ofType(events, 'session.warning')
        .map((w) => w.message)
        .join('\n'),
    ).toContain('missing.txt');
    const output = ofType(events, 'setup.output')
      .map((e) => e.chunk)
      .join('');
    expect(output).toContain('setting up');
    expect(output).toContain('warn');
    expect(ofType(events, 'setup.finished')).toEqual([expect.objectContaining({ exitCode: 0, timedOut: false })]);
    // Setup ran in the worktree, after the copies, before the first attempt.
    expect(fs.readFileSync(path.join(wt, 'setup-saw.txt'), 'utf8')).toContain('.env');
    const order = events.map((e) => e.type);
    expect(order.indexOf('workspace.included')).toBeLessThan(order.indexOf('setup.finished'));
    expect(order.indexOf('setup.finished')).toBeLessThan(order.indexOf('attempt.started'));
    // The copies are the worktree's, never committed.
    expect(git(repo, 'ls-tree', '-r', '--name-only', summary.branch)).not.toMatch(/\.env|key\.pem|db\.local/);
  });

  it('an untrusted factory.yaml (repository content) runs no setup and copies nothing; the notice names the keys and the fix', async () => {
    const repo = makeRepo({
      files: {
        '.gitignore': '.env\n',
        'factory.yaml': 'workspace:\n  include: [".env"]\n  setup: "touch ran-setup"\n',
        'README.md': 'r\n',
      },
    });
    fs.writeFileSync(path.join(repo, '.env'), 'API_KEY=local-only\n');
    const home = makeTempDir('mlxf-home-');
    const { summary, events } = await runSession(repo, home, { trusted: false });
    expect(summary.state).toBe('passed');
    expect(fs.existsSync(path.join(summary.worktree, 'ran-setup'))).toBe(false);
    expect(fs.existsSync(path.join(summary.worktree, '.env'))).toBe(false);
    expect(ofType(events, 'setup.started')).toEqual([]);
    const notice = ofType(events, 'session.warning')
      .map((w) => w.message)
      .join('\n');
    expect(notice).toContain('workspace.include, workspace.setup were ignored');
    expect(notice).toContain(`mlx-factory trust ${repo}`);
  });

  it('a trusted setup runs sandboxed: it cannot write outside the worktree or touch the .git pointer', async () => {
    const repo = makeRepo({
      files: { 'factory.yaml': 'workspace:\n  setup: "echo x > ../outside.txt; echo gitdir: /tmp > .git; exit 0"\n', 'README.md': 'r\n' },
    });
    const home = makeTempDir('mlxf-home-');
    const { summary } = await runSession(repo, home);
    expect(summary.state).toBe('passed');
    expect(fs.existsSync(path.join(path.dirname(summary.worktree), 'outside.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(summary.worktree, '.git'), 'utf8')).toMatch(/^gitdir: .*\/worktrees\//);
  });

  it('a failing setup ends the session with an error naming the command, before any model turn', async () => {
    const repo = makeRepo({ files: { 'factory.yaml': 'workspace:\n  setup: "echo broken >&2; exit 3"\n', 'README.md': 'r\n' } });
    const home = makeTempDir('mlxf-home-');
    const { summary, events } = await runSession(repo, home);
    expect(summary.state).toBe('error');
    expect(summary.reason).toContain('workspace.setup (`echo broken >&2; exit 3`) exited 3');
    expect(summary.reason).toContain('broken');
    expect(ofType(events, 'turn.started')).toEqual([]);
    expect((await server.requests()).length).toBe(0);
    expect(ofType(events, 'session.finished')[0]).toMatchObject({ status: 'error', attempts: 0 });
  });
});

describe('submodules', () => {
  it('creates the worktree and warns that submodules are not checked out in it', async () => {
    const lib = makeRepo({ files: { 'lib.py': 'LIB = 1\n' } });
    const repo = makeRepo({ files: { 'README.md': 'with a submodule\n' } });
    git(repo, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'vendor/lib');
    git(repo, 'commit', '-q', '-m', 'add submodule');
    const home = makeTempDir('mlxf-home-');

    const { summary, events } = await runSession(repo, home);

    expect(summary.state).toBe('passed');
    expect(fs.existsSync(path.join(summary.worktree, 'vendor', 'lib'))).toBe(true);
    expect(fs.existsSync(path.join(summary.worktree, 'vendor', 'lib', 'lib.py'))).toBe(false);
    expect(
      ofType(events, 'session.warning')
        .map((w) => w.message)
        .join('\n'),
    ).toMatch(/submodules \(vendor\/lib\)/);
  });
});
