// Issue #22: real projects built offline by the tests (a Node project with a package under
// node_modules, a Python project with a .venv, a Go module) run as sessions with no configuration —
// the user's ignored dependency folder is seen read-only inside the worktree, unchanged afterwards
// byte for byte, never committed; the preflight run of the check on the base stops an environment
// failure before any attempt, says when the check already passes, goes on after a normal failure and
// is skipped with --no-preflight; a session that adds a dependency installs it in the worktree (from
// a tarball `npm pack`ed by the test). Real git, the real bubblewrap sandbox, the scripted server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { projectAll } from '../../src/api/session-projection.js';
import { rememberedDependencyMode, trustFileBeside } from '../../src/config/project-trust.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { runSandboxed } from '../../src/sandbox/index.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { launchSession, prepareSession, type SessionRequest, type SessionSummary } from '../../src/sessions/start-session.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../support/scripted-server/launch.js';
import { git, makeRepo, makeTempDir, removeTempDirs, snapshotCheckout, writeFiles } from '../support/git-fixtures.js';

const TIMEOUT = 180_000;
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({});
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

const PASS: Script['sheriff'] = [{ content: 'The check passed.\nVERDICT: PASS' }];

async function runSession(
  repo: string,
  script: Script,
  request: Partial<SessionRequest> & { check: string },
): Promise<{ summary: SessionSummary; events: SessionEvent[]; home: string; coderTurns: number }> {
  await server.setScript(script);
  await server.clearRequests();
  const home = request.home ?? makeTempDir('mlxf-home-');
  const prepared = await prepareSession({ description: 'Do the task', repo, cwd: repo, home, maxAttempts: 2, timeoutSec: 60, ...request });
  const summary = await launchSession(prepared, {
    model: new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 60_000 }),
    runCheck: runSandboxed,
    signal: new AbortController().signal,
  });
  const events = readSessionLog(sessionFiles(path.join(home, 'sessions'), summary.id).log).events;
  const coderTurns = (await server.requests()).filter((r) => r.persona === 'coder').length;
  return { summary, events, home, coderTurns };
}

const ofType = <T extends SessionEvent['type']>(events: SessionEvent[], type: T) =>
  events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

/** What a committed branch holds, for "nothing of the dependency folder was committed". */
const branchFiles = (repo: string, branch: string): string[] =>
  git(repo, 'ls-tree', '-r', '--name-only', branch).split('\n').filter(Boolean);

/** A Node project whose test needs `left-pad` from node_modules (made here, no registry) and the task's pad.js. */
function nodeProject(options: { installed?: boolean } = {}): string {
  const repo = makeRepo({
    files: {
      '.gitignore': 'node_modules/\n',
      'package.json': JSON.stringify({ name: 'demo', version: '1.0.0', dependencies: { 'left-pad': '1.0.0' } }, null, 2),
      'package-lock.json': JSON.stringify({ name: 'demo', lockfileVersion: 3, packages: {} }, null, 2),
      'test.js':
        "const leftPad = require('left-pad');\nconst pad = require('./pad');\nif (pad('7') !== leftPad('7', 3, '0')) { console.error('wrong'); process.exit(1); }\nconsole.log('ok');\n",
    },
  });
  fs.mkdirSync(path.join(repo, 'node_modules'));
  if (options.installed !== false)
    writeFiles(path.join(repo, 'node_modules', 'left-pad'), {
      'package.json': JSON.stringify({ name: 'left-pad', version: '1.0.0', main: 'index.js' }),
      'index.js': 'module.exports = (s, n, c) => String(s).padStart(n, c);\n',
    });
  return repo;
}

const PAD_JS = "pad.js\n```javascript\nmodule.exports = (s) => String(s).padStart(3, '0');\n```\n";

describe("use mine: the checkout's dependency folder, read-only, with no configuration", () => {
  it(
    'Node: node_modules from the checkout; the session passes; the folder is unchanged and nothing of it is committed',
    { timeout: TIMEOUT },
    async () => {
      const repo = nodeProject();
      const before = snapshotCheckout(repo);
      const { summary, events, coderTurns } = await runSession(
        repo,
        { coder: [{ content: PAD_JS }], sheriff: PASS },
        { check: 'node test.js' },
      );

      expect(summary.state).toBe('passed');
      expect(coderTurns).toBe(1);
      const [environment] = ofType(events, 'environment');
      expect(environment).toMatchObject({
        ecosystem: 'npm',
        mode: 'mine',
        folder: 'node_modules',
        line: 'Environment: node_modules from your checkout (read-only)',
      });
      // Preflight: pad.js does not exist yet, a normal failure (a local module is the task's, not the environment's): it went on.
      const [preflight] = ofType(events, 'preflight');
      expect(preflight).toMatchObject({ outcome: 'fails', command: 'node test.js' });
      expect(preflight?.output).toContain("Cannot find module './pad'");
      expect(projectAll(events).environment?.mode).toBe('mine');
      expect(projectAll(events).preflight?.outcome).toBe('fails');
      expect(snapshotCheckout(repo)).toEqual(before);
      expect(branchFiles(repo, summary.branch).filter((f) => f.startsWith('node_modules'))).toEqual([]);
      // Host-side, the worktree holds only the empty mount point (Linux): the user's files are seen only inside a check.
      expect(fs.readdirSync(path.join(summary.worktree, 'node_modules'))).toEqual([]);
    },
  );

  it("a check that writes into the read-only view fails; the user's folder is unchanged", { timeout: TIMEOUT }, async () => {
    const repo = nodeProject();
    const before = snapshotCheckout(repo);
    const check = 'echo pwned > node_modules/left-pad/index.js && touch node_modules/planted && node test.js';
    const { summary, events } = await runSession(repo, { coder: [{ content: PAD_JS }], sheriff: PASS }, { check, maxAttempts: 1 });
    expect(summary.state).toBe('failed');
    const finished = ofType(events, 'exec.finished');
    expect(finished.length).toBe(1);
    expect(finished[0]?.exitCode).not.toBe(0);
    expect(finished[0]?.output).toMatch(/Read-only file system/);
    expect(snapshotCheckout(repo)).toEqual(before);
  });

  it('Python: a .venv made with python -m venv holding a local package', { timeout: TIMEOUT }, async () => {
    const repo = makeRepo({
      files: {
        '.gitignore': '.venv/\n',
        'requirements.txt': 'greetlib\n',
        'test_greet.py':
          'import greetlib\nfrom greet import greet\nassert greet("ada") == greetlib.hello("ada"), greet("ada")\nprint("ok")\n',
      },
    });
    execFileSync('python3', ['-m', 'venv', '--without-pip', path.join(repo, '.venv')]);
    const version = execFileSync(path.join(repo, '.venv', 'bin', 'python'), [
      '-c',
      'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")',
    ])
      .toString()
      .trim();
    writeFiles(path.join(repo, '.venv', 'lib', version, 'site-packages', 'greetlib'), {
      '__init__.py': 'def hello(name):\n    return f"hello {name}"\n',
    });
    const before = snapshotCheckout(repo);
    const coder = 'greet.py\n```python\nimport greetlib\n\ndef greet(name):\n    return greetlib.hello(name)\n```\n';
    const { summary, events } = await runSession(
      repo,
      { coder: [{ content: coder }], sheriff: PASS },
      { check: '.venv/bin/python test_greet.py' },
    );
    expect(summary.state).toBe('passed');
    expect(ofType(events, 'environment')[0]).toMatchObject({
      ecosystem: 'pip',
      mode: 'mine',
      line: 'Environment: .venv from your checkout (read-only)',
    });
    expect(ofType(events, 'preflight')[0]?.outcome).toBe('fails');
    expect(snapshotCheckout(repo)).toEqual(before);
    expect(branchFiles(repo, summary.branch).filter((f) => f.startsWith('.venv'))).toEqual([]);
  });

  // A cold Go build cache rebuilds the standard library (minutes on a loaded 2-core box): generous bounds.
  it('Go: a module with its own test passes with no configuration', { timeout: 900_000 }, async () => {
    const repo = makeRepo({
      files: {
        'go.mod': 'module example.com/calc\n\ngo 1.21\n',
        'calc_test.go':
          'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal("Add(2, 3) != 5")\n\t}\n}\n',
      },
    });
    const coder = 'calc.go\n```go\npackage calc\n\nfunc Add(a, b int) int { return a + b }\n```\n';
    const { summary, events } = await runSession(
      repo,
      { coder: [{ content: coder }], sheriff: PASS },
      { check: 'go test ./...', timeoutSec: 400 },
    );
    expect(ofType(events, 'environment')[0]).toMatchObject({
      ecosystem: 'go',
      mode: 'none',
      line: 'Environment: Go modules from your module cache (read-only)',
    });
    expect(ofType(events, 'preflight')[0]?.outcome).toBe('fails');
    expect(summary.state).toBe('passed');
  });
});

describe('preflight', () => {
  it('"Cannot find module" stops the session before the first attempt, with the fix', { timeout: TIMEOUT }, async () => {
    const repo = nodeProject({ installed: false });
    const { summary, events, coderTurns } = await runSession(
      repo,
      { coder: [{ content: PAD_JS }], sheriff: PASS },
      { check: 'node test.js' },
    );
    expect(summary.state).toBe('error');
    expect(summary.attempts).toBe(0);
    expect(coderTurns).toBe(0);
    expect(ofType(events, 'attempt.started')).toEqual([]);
    const [preflight] = ofType(events, 'preflight');
    expect(preflight?.outcome).toBe('environment');
    expect(summary.reason).toBe(preflight?.message);
    expect(summary.reason).toContain("the package 'left-pad'");
    expect(summary.reason).toContain(`in ${repo}`);
    expect(summary.reason).toContain('`npm install --no-audit --no-fund`');
    expect(summary.reason).toContain('--deps install');
    expect(projectAll(events).preflight?.outcome).toBe('environment');
  });

  it('--no-preflight skips it: the same session goes to its first attempt', { timeout: TIMEOUT }, async () => {
    const repo = nodeProject({ installed: false });
    const { summary, events, coderTurns } = await runSession(
      repo,
      { coder: [{ content: PAD_JS }], sheriff: PASS },
      { check: 'node test.js', preflight: false, maxAttempts: 1 },
    );
    expect(ofType(events, 'preflight')).toEqual([expect.objectContaining({ outcome: 'skipped' })]);
    expect(coderTurns).toBe(1);
    expect(summary.state).toBe('failed');
  });

  it('a check that already passes on the base says so and the session goes on', { timeout: TIMEOUT }, async () => {
    const repo = nodeProject();
    const { summary, events } = await runSession(
      repo,
      { coder: [{ content: PAD_JS }], sheriff: PASS },
      { check: 'node -e "process.exit(0)"' },
    );
    const [preflight] = ofType(events, 'preflight');
    expect(preflight?.outcome).toBe('passes');
    expect(preflight?.message).toBe('The check already passes before any change — it may not test the task.');
    expect(summary.state).toBe('passed');
  });
});

describe('install', () => {
  it(
    'a Coder that adds a dependency to package.json gets it installed in the worktree (a local tarball, offline), and passes',
    { timeout: TIMEOUT },
    async () => {
      const packDir = makeTempDir('mlxf-pack-');
      writeFiles(path.join(packDir, 'src'), {
        'package.json': JSON.stringify({ name: 'tiny-pad', version: '1.0.0', main: 'index.js' }),
        'index.js': "module.exports = (s) => String(s).padStart(3, '0');\n",
      });
      execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: path.join(packDir, 'src'), stdio: 'ignore' });
      const tarball = fs.readFileSync(path.join(packDir, 'tiny-pad-1.0.0.tgz'));
      // The tarball is committed in the repository (a vendored package): the sandbox sees the worktree,
      // while the host's /tmp is a fresh tmpfs inside it.
      const repo = makeRepo({
        files: {
          '.gitignore': 'node_modules/\n',
          'package.json': `${JSON.stringify({ name: 'demo', version: '1.0.0' }, null, 2)}\n`,
          'vendor/tiny-pad-1.0.0.tgz': tarball,
          'test.js': "const pad = require('./pad');\nif (pad('7') !== '007') process.exit(1);\nconsole.log('ok');\n",
        },
      });
      const before = snapshotCheckout(repo);
      const coder =
        'package.json\n```json\n' +
        JSON.stringify({ name: 'demo', version: '1.0.0', dependencies: { 'tiny-pad': 'file:vendor/tiny-pad-1.0.0.tgz' } }, null, 2) +
        "\n```\n\npad.js\n```javascript\nmodule.exports = require('tiny-pad');\n```\n";
      const { summary, events } = await runSession(repo, { coder: [{ content: coder }], sheriff: PASS }, { check: 'node test.js' });
      expect(ofType(events, 'environment')[0]).toMatchObject({ mode: 'install', command: 'npm install --no-audit --no-fund' });
      expect(summary.state).toBe('passed');
      // Installed twice as setup steps: the base's (nothing to install), then after the Coder changed package.json.
      const setups = ofType(events, 'setup.finished');
      expect(setups.map((s) => s.exitCode)).toEqual([0, 0]);
      const order = events.map((e) => e.type);
      expect(order.lastIndexOf('setup.finished')).toBeLessThan(order.indexOf('exec.started'));
      expect(fs.existsSync(path.join(summary.worktree, 'node_modules', 'tiny-pad', 'index.js'))).toBe(true);
      // The model's manifest is installed without its install scripts (they would run with the network).
      expect(ofType(events, 'setup.started').map((e) => e.command)).toEqual([
        'npm install --no-audit --no-fund',
        'npm install --no-audit --no-fund --ignore-scripts',
      ]);
      expect(branchFiles(repo, summary.branch).filter((f) => f.startsWith('node_modules'))).toEqual([]);
      expect(snapshotCheckout(repo)).toEqual(before);
    },
  );

  it('--deps install is remembered for the repository', { timeout: TIMEOUT }, async () => {
    const repo = nodeProject();
    const home = makeTempDir('mlxf-home-');
    await prepareSession({ description: 'x', repo, cwd: repo, home, check: 'node test.js', deps: 'install' });
    expect(rememberedDependencyMode(trustFileBeside(path.join(home, 'factory.yaml')), repo)).toBe('install');
  });
});
