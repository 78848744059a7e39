// The CLI as a process: the compiled bundle and its tsx fallback, the end of a command (a closed
// stdout, and the time from the last line to the exit).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleState, MANIFEST_NAME, PROJECT_ROOT } from '../../bin/cli-bundle.js';
import { git, makeTempDir } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { CLI, runCli } from '../support/run-cli.js';
import { createSessionFixture } from '../support/session-fixtures.js';

let home: string;
let repo: string;
const SESSIONS = 150; // ~100 KiB of `sessions list --json`: more than a pipe holds

beforeAll(async () => {
  // Sessions are read-only for every test here: made once. One real session, cloned.
  const root = makeTempDir('mlxf-cli-process-');
  repo = path.join(root, 'repo');
  home = path.join(root, 'home');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# demo\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  const source = await createSessionFixture({ repo, home, pid: null });
  const sourceDir = path.join(source.paths.sessions, source.id);
  const files = fs.readdirSync(sourceDir).map((name) => ({ name, text: fs.readFileSync(path.join(sourceDir, name), 'utf8') }));
  for (let i = 1; i < SESSIONS; i += 1) {
    const id = `2601010000-${i.toString(16).padStart(6, '0')}`;
    fs.mkdirSync(path.join(source.paths.sessions, id));
    for (const file of files) fs.writeFileSync(path.join(source.paths.sessions, id, file.name), file.text.replaceAll(source.id, id));
  }
});

describe('the compiled CLI', () => {
  it('is what the tests run: bin/ finds a current bundle in out/cli/', () => {
    expect(bundleState()).toBe('fresh');
  });

  it('falls back to tsx in a checkout without a current build, and says nothing about it', async () => {
    // A copy of the project's layout: bin/ copied, src/ and node_modules/ linked, no out/.
    const checkout = makeTempDir('mlxf-cli-checkout-');
    fs.cpSync(path.join(PROJECT_ROOT, 'bin'), path.join(checkout, 'bin'), { recursive: true });
    for (const dir of ['src', 'node_modules', 'resources']) fs.symlinkSync(path.join(PROJECT_ROOT, dir), path.join(checkout, dir));
    fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(checkout, 'package.json'));
    const help = (): Promise<{ code: number | null; out: string; err: string }> =>
      runNode([path.join(checkout, 'bin', 'mlx-factory.js'), '--help']);
    expect(bundleState(checkout)).toBe('missing');
    expect(await help()).toMatchObject({ code: 0, out: expect.stringContaining('Usage:'), err: '' });

    // A bundle whose source changed after the build is stale: tsx again (the bundle here would fail).
    fs.mkdirSync(path.join(checkout, 'out', 'cli'), { recursive: true });
    fs.writeFileSync(path.join(checkout, 'out', 'cli', 'cli-process.js'), 'throw new Error("stale bundle ran");\n');
    const main = fs.statSync(path.join(checkout, 'src', 'cli', 'main.ts'));
    const manifest = (builtAt: number, mtimeMs: number): void =>
      fs.writeFileSync(
        path.join(checkout, 'out', 'cli', MANIFEST_NAME),
        JSON.stringify({ builtAt, sources: { 'src/cli/main.ts': [mtimeMs, main.size] } }),
      );
    manifest(main.mtimeMs - 1000, main.mtimeMs); // edited after the build started
    expect(bundleState(checkout)).toBe('stale');
    manifest(main.mtimeMs + 1000, main.mtimeMs - 5); // replaced by a copy with an older time
    expect(bundleState(checkout)).toBe('stale');
    expect(await help()).toMatchObject({ code: 0, out: expect.stringContaining('Usage:') });
    manifest(main.mtimeMs + 1000, main.mtimeMs);
    expect(bundleState(checkout)).toBe('fresh');
    expect((await help()).err).toContain('stale bundle ran'); // proof that a fresh bundle is what runs
  });
});

describe('the end of a command', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('ends quietly with status 0 when its reader goes away (`sessions list --json | head -c 100`)', async () => {
    const result = await runShell(`"${process.execPath}" "${CLI}" sessions list --json | head -c 100; echo "exit:\${PIPESTATUS[0]}" >&2`);
    expect(result.out).toHaveLength(100);
    expect(result.out.startsWith('{"sessions":[{"id":')).toBe(true);
    expect(result.err).toBe('exit:0\n'); // no EPIPE stack trace, status 0
  });

  it('lists every session when nobody closes the pipe (the output really is longer than a pipe)', async () => {
    const result = await runCli(['sessions', 'list', '--json'], { cwd: repo, home });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(70_000);
    expect((JSON.parse(result.stdout) as { sessions: unknown[] }).sessions).toHaveLength(SESSIONS);
  });

  it('exits right after its last line: no idle connection or pending timer keeps a finished run alive', async () => {
    await server.setScript({
      coder: [{ content: "main.py\n```python\nprint('hello')\n```\n" }],
      sheriff: [{ content: 'It prints hello.\nVERDICT: PASS' }],
    });
    let lastLine = 0;
    const result = await runCli(['run', 'Print hello', '--server-url', server.url, '--json'], {
      cwd: repo,
      home: makeTempDir('mlxf-cli-run-home-'),
      onStdout: () => (lastLine = performance.now()),
    });
    const lingered = performance.now() - lastLine;
    expect(result.exitCode).toBe(0);
    // The bench holds this to 100 ms; a shared test machine gets slack, a 2 s timer does not fit it.
    expect(lingered).toBeLessThan(1000);
  });
});

function runNode(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return collect(process.execPath, args);
}

/** A shell pipeline, as a user types it (bash, for PIPESTATUS). */
function runShell(script: string): Promise<{ code: number | null; out: string; err: string }> {
  return collect('bash', ['-c', script]);
}

function collect(file: string, args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, MLX_FACTORY_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
