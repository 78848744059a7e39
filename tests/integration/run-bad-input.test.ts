import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { git } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';

/**
 * Bad input to `mlx-factory run`: a clear message on stderr, exit 2, and nothing created or changed
 * (no session, no worktree, no branch). Nothing here needs a model server except the URL checks.
 */
let tmp: string;
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fixture(): { dir: string; home: string; repo: string } {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf bad ü '));
  const repo = path.join(tmp, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  return { dir: tmp, home: path.join(tmp, 'home'), repo };
}

/** An address where nothing listens: a port we bound and released. */
async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

async function expectRefused(args: string[], cwd: string, home: string, message: RegExp, repo?: string): Promise<void> {
  const branchesBefore = repo ? git(repo, 'branch', '--all') : '';
  const result = await runCli(args, { cwd, home });
  expect(result.stderr).toMatch(message);
  expect(result.exitCode).toBe(2);
  expect(result.stdout).not.toContain('"summary"');
  expect(fs.existsSync(home)).toBe(false); // no session, log or worktree was made
  if (repo) {
    expect(git(repo, 'branch', '--all')).toBe(branchesBefore);
    expect(git(repo, 'worktree', 'list')).not.toContain('factory/');
  }
}

describe('mlx-factory run refuses bad input', () => {
  it('a --repo that does not exist', async () => {
    const { dir, home } = fixture();
    await expectRefused(['run', 'x', '--repo', path.join(dir, 'nope'), '--server-url', 'http://127.0.0.1:9'], dir, home, /does not exist/);
  });

  it('a --repo that is a file', async () => {
    const { dir, home, repo } = fixture();
    await expectRefused(
      ['run', 'x', '--repo', path.join(repo, 'a.txt'), '--server-url', 'http://127.0.0.1:9'],
      dir,
      home,
      /is a file, not a folder/,
    );
  });

  it('a repository with no commits yet, saying how to make the first one', async () => {
    const { dir, home } = fixture();
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    git(empty, 'init', '-q');
    await expectRefused(['run', 'x', '--repo', empty, '--server-url', 'http://127.0.0.1:9'], dir, home, /no commits yet[\s\S]*git commit/);
  });

  it('a bare repository', async () => {
    const { dir, home, repo } = fixture();
    const bare = path.join(dir, 'bare.git');
    git(dir, 'clone', '-q', '--bare', repo, bare);
    await expectRefused(['run', 'x', '--repo', bare, '--server-url', 'http://127.0.0.1:9'], dir, home, /bare repository/);
  });

  it('a malformed factory.yaml, naming the file and line', async () => {
    const { dir, home, repo } = fixture();
    fs.writeFileSync(path.join(repo, 'factory.yaml'), 'agent:\n  max_attempts: [1,\n');
    await expectRefused(
      ['run', 'x', '--repo', repo, '--server-url', 'http://127.0.0.1:9'],
      dir,
      home,
      /factory\.yaml: is not valid YAML \(line \d+/,
      repo,
    );
  });

  it('an invalid factory.yaml, naming the file, the key and the expected type', async () => {
    const { dir, home, repo } = fixture();
    fs.writeFileSync(path.join(repo, 'factory.yaml'), 'agent:\n  max_attempts: five\nserver:\n  prot: 8080\n');
    const result = await runCli(['run', 'x', '--repo', repo, '--server-url', 'http://127.0.0.1:9'], { cwd: dir, home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${path.join(repo, 'factory.yaml')}: agent.max_attempts: expected a number, got the text "five"`);
    expect(result.stderr).toContain('server.prot: unknown key');
    expect(fs.existsSync(home)).toBe(false);
  });

  it('an invalid task file', async () => {
    const { dir, home, repo } = fixture();
    fs.writeFileSync(path.join(dir, 'task.yaml'), 'name: t\nmax_attempts: -1\n');
    const result = await runCli(['run', '-t', 'task.yaml', '--repo', repo, '--server-url', 'http://127.0.0.1:9'], { cwd: dir, home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/task\.yaml: description: required string is missing/);
    expect(result.stderr).toMatch(/task\.yaml: max_attempts: must be greater than 0, got number -1/);
    expect(fs.existsSync(home)).toBe(false);
  });

  it('a task file that does not exist', async () => {
    const { dir, home, repo } = fixture();
    await expectRefused(
      ['run', '-t', 'missing.yaml', '--repo', repo, '--server-url', 'http://127.0.0.1:9'],
      dir,
      home,
      /missing\.yaml: no such task file/,
      repo,
    );
  });

  it('a server URL where nothing listens, failing fast', async () => {
    const { dir, home, repo } = fixture();
    const url = await deadUrl();
    const started = Date.now();
    await expectRefused(['run', 'x', '--repo', repo, '--server-url', url], dir, home, /Nothing answers at .*ECONNREFUSED/, repo);
    expect(Date.now() - started).toBeLessThan(10_000); // not llm_timeout (120 s)
  });

  it('--no-server with nothing at server.host:port', async () => {
    const { dir, home, repo } = fixture();
    const port = new URL(await deadUrl()).port;
    fs.writeFileSync(path.join(repo, 'factory.yaml'), `server:\n  port: ${port}\n`);
    await expectRefused(
      ['run', 'x', '--repo', repo, '--no-server'],
      dir,
      home,
      /No model server answers at http:\/\/127\.0\.0\.1:\d+/,
      repo,
    );
  });

  it('neither a DESCRIPTION nor -t', async () => {
    const { dir, home, repo } = fixture();
    await expectRefused(
      ['run', '--repo', repo, '--server-url', 'http://127.0.0.1:9'],
      dir,
      home,
      /give a DESCRIPTION .* or a task file with -t/,
      repo,
    );
  });

  it('an unknown flag, with the usage', async () => {
    const { dir, home, repo } = fixture();
    await expectRefused(
      ['run', 'x', '--repo', repo, '--frobnicate'],
      dir,
      home,
      /Unknown option '--frobnicate'[\s\S]*Usage: mlx-factory run/,
      repo,
    );
  });

  it('a bad number for -n', async () => {
    const { dir, home, repo } = fixture();
    await expectRefused(
      ['run', 'x', '--repo', repo, '-n', 'lots', '--server-url', 'http://127.0.0.1:9'],
      dir,
      home,
      /--max-attempts takes a whole number/,
      repo,
    );
  });
});
