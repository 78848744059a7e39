import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { git, snapshotCheckout } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer, type Script } from '../support/scripted-server/launch.js';
import { jsonLines, runCli, summaryOf } from '../support/run-cli.js';

/**
 * `mlx-factory run` end to end: the real CLI as a child process, the scripted server as a process,
 * real git repositories and the check as a real subprocess.
 */
let server: ScriptedServer;
let tmp: string;

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function setup(name = 'repo'): { repo: string; home: string } {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf run é '));
  const repo = path.join(tmp, name);
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# demo\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  return { repo, home: path.join(tmp, 'home dir') };
}

const code = (body: string, file = 'main.py'): string => `${file}\n\`\`\`python\n${body}\n\`\`\`\n`;
const PASS = { content: 'The output is right.\nVERDICT: PASS' };
const FAIL = { content: 'It crashed; fix the division.\nVERDICT: FAIL' };

async function run(script: Script, repo: string, home: string, extra: string[] = []) {
  await server.setScript(script);
  await server.clearRequests();
  return runCli(['run', 'Print hello', '--server-url', server.url, '--json', ...extra], { cwd: repo, home });
}

describe('mlx-factory run', () => {
  it('passes on attempt 1, committing the edit with trailers on the session branch', async () => {
    const { repo, home } = setup();
    const result = await run({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] }, repo, home);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const summary = summaryOf(result.stdout);
    // `id` and `state` as everywhere; `session` and `status` are aliases kept for one release.
    expect(summary).toMatchObject({ id: expect.any(String), state: 'passed', status: 'passed', attempts: 1 });
    expect(summary.session).toBe(summary.id);
    const worktree = String(summary.worktree);
    expect(path.relative(repo, worktree).startsWith('..')).toBe(true); // outside the repo
    expect(fs.readFileSync(path.join(worktree, 'main.py'), 'utf8')).toBe("print('hello')\n");
    const message = git(repo, 'log', '-1', '--format=%B', String(summary.branch));
    expect(message).toContain(`Factory-Session: ${String(summary.id)}`);
    expect(message).toContain('Factory-Attempt: 1');
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(summary.baseCommit);
    const types = jsonLines(result.stdout).map((e) => e.type);
    for (const t of [
      'session.created',
      'turn.started',
      'token.delta',
      'turn.finished',
      'commit',
      'exec.finished',
      'verdict',
      'session.finished',
    ]) {
      expect(types).toContain(t);
    }
    // Events are numbered 1, 2, 3 … without gaps, and persisted as the session's log.
    const seqs = jsonLines(result.stdout)
      .filter((e) => e.type !== 'summary')
      .map((e) => e['seq']);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const logFile = path.join(home, 'sessions', String(summary.id), 'events.jsonl');
    expect(fs.readFileSync(logFile, 'utf8').trim().split('\n')).toHaveLength(seqs.length);
    // meta.json: the list row at the log's end, for the next `sessions list`.
    const meta = JSON.parse(fs.readFileSync(path.join(home, 'sessions', String(summary.id), 'meta.json'), 'utf8')) as {
      offset: number;
      row: Record<string, unknown>;
    };
    expect(meta.row).toMatchObject({ state: 'passed', attempts: 1, branch: summary.branch });
    expect(meta.offset).toBe(fs.statSync(logFile).size);
  });

  it('fails, feeds the Sheriff back to the Coder, and passes on attempt 2', async () => {
    const { repo, home } = setup();
    const result = await run(
      { coder: [{ content: code('print(1/0)') }, { content: code("print('hello')") }], sheriff: [FAIL, PASS] },
      repo,
      home,
    );
    expect(result.exitCode).toBe(0);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'passed', attempts: 2 });
    const requests = await server.requests();
    const coderPrompts = requests.filter((r) => r.persona === 'coder').map((r) => r.messages.map((m) => String(m.content)).join('\n'));
    expect(coderPrompts).toHaveLength(2);
    expect(coderPrompts[1]).toContain('fix the division'); // the Sheriff's feedback
    expect(coderPrompts[1]).toContain('ZeroDivisionError'); // the failure's tail
    expect(coderPrompts[1]).toContain('print(1/0)'); // the current file, not the old reply
    expect(coderPrompts[1]).not.toContain('VERDICT');
    // The Sheriff saw the task, the diff and the real result.
    const sheriffPrompt =
      requests.filter((r) => r.persona === 'sheriff').map((r) => r.messages.map((m) => String(m.content)).join('\n'))[0] ?? '';
    expect(sheriffPrompt).toContain('Print hello');
    expect(sheriffPrompt).toContain('+print(1/0)');
    expect(sheriffPrompt).toContain('exited with code 1');
  });

  it('requires exit 0 AND a PASS: a PASS on a crashing program is a failure', async () => {
    const { repo, home } = setup();
    const result = await run({ coder: [{ content: code('import sys; sys.exit(3)') }], sheriff: [PASS] }, repo, home, ['-n', '1']);
    expect(result.exitCode).toBe(1);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('stops early when the same failure repeats (stagnation)', async () => {
    const { repo, home } = setup();
    // Different code each time, same error: only the normalised traceback repeats.
    const coder = [1, 2, 3, 4, 5].map((n) => ({ content: code(`x = ${n}\nraise ValueError('bad input')`) }));
    const result = await run({ coder, sheriff: [FAIL] }, repo, home);
    expect(result.exitCode).toBe(1);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'stagnated', attempts: 3 });
  });

  it('counts a repeated Coder reply toward stagnation_threshold, even when its output differs, and not on its own', async () => {
    const { repo, home } = setup();
    // The same reply every time; the error message is random, so only the repeated reply makes it "the same failure".
    const result = await run(
      { coder: [{ content: code('import random\nraise ValueError(random.random())') }], sheriff: [FAIL] },
      repo,
      home,
    );
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'stagnated', attempts: 3 });
  });

  it('stops when the token budget is used up', async () => {
    const { repo, home } = setup();
    fs.writeFileSync(path.join(repo, 'factory.yaml'), 'agent:\n  total_token_budget: 900\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'budget');
    const coder = [1, 2, 3, 4, 5].map((n) => ({ content: code(`print(${n}/0)`) }));
    const result = await run({ coder, sheriff: [FAIL] }, repo, home);
    expect(result.exitCode).toBe(1);
    const summary = summaryOf(result.stdout);
    expect(summary.status).toBe('budget_exhausted');
    const tokens = summary['tokens'] as { prompt: number; completion: number };
    expect(tokens.prompt + tokens.completion).toBeLessThanOrEqual(900);
  });

  it('kills a timed-out check together with every process it spawned', async () => {
    const { repo, home } = setup();
    // A marker in every child's command line finds survivors whatever pid namespace they ran in.
    const marker = `297.${crypto.randomInt(100000, 999999)}`;
    const program = [
      'import subprocess, time',
      'for _ in range(3):',
      `    subprocess.Popen(['sleep', '${marker}'])`,
      `subprocess.Popen(['sh', '-c', 'sleep ${marker} & sleep ${marker}; wait'])`,
      "print('children started', flush=True)",
      'time.sleep(300)',
    ].join('\n');
    const result = await run({ coder: [{ content: code(program) }], sheriff: [FAIL] }, repo, home, ['--timeout', '2', '-n', '1']);
    expect(result.exitCode).toBe(1);
    const finished = jsonLines(result.stdout).find((e) => e.type === 'exec.finished');
    expect(finished).toMatchObject({ timedOut: true });
    expect(String(finished?.['output'])).toContain('children started'); // partial output is kept
    expect(processesWith(marker)).toEqual([]);
    expect(result.durationMs).toBeLessThan(30_000);
  });

  it('aborts a model turn at llm_timeout', async () => {
    const { repo, home } = setup();
    fs.writeFileSync(path.join(repo, 'factory.yaml'), 'agent:\n  llm_timeout: 2\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'timeout');
    const result = await run({ coder: [{ content: 'never sent', fault: 'hang' }], sheriff: [PASS] }, repo, home);
    expect(result.exitCode).toBe(1);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'timeout' });
    expect(result.durationMs).toBeLessThan(20_000);
  });

  it('retries a dropped stream once and carries on', async () => {
    const { repo, home } = setup();
    const result = await run(
      {
        coder: [{ content: code("print('partial')"), fault: 'drop', faultAfterTokens: 3 }, { content: code("print('hello')") }],
        sheriff: [PASS],
      },
      repo,
      home,
    );
    expect(result.exitCode).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.some((e) => e.type === 'turn.retry')).toBe(true);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'passed', attempts: 1 });
  });

  it('retries a server that died mid-stream (a clean close with no [DONE]) and then reports it unreachable', async () => {
    const { repo, home } = setup();
    const dying = await startScriptedServer({ script: { coder: [{ content: code("print('x')"), fault: 'die', faultAfterTokens: 2 }] } });
    try {
      const result = await runCli(['run', 'Print hello', '--server-url', dying.url, '--json'], { cwd: repo, home });
      expect(result.exitCode).toBe(1);
      expect(summaryOf(result.stdout)).toMatchObject({ status: 'error' });
      expect(jsonLines(result.stdout).some((e) => e.type === 'turn.retry')).toBe(true);
      expect(JSON.stringify(jsonLines(result.stdout).find((e) => e.type === 'session.finished'))).toMatch(/unreachable/);
    } finally {
      await dying.stop();
    }
  });

  it('leaves the user’s uncommitted changes, index and HEAD untouched, and says they are not in the session', async () => {
    const { repo, home } = setup();
    fs.writeFileSync(path.join(repo, 'README.md'), '# demo\nlocal edit\n');
    fs.writeFileSync(path.join(repo, 'staged.txt'), 'staged\n');
    git(repo, 'add', 'staged.txt');
    fs.writeFileSync(path.join(repo, 'untracked.txt'), 'mine\n');
    const before = snapshotCheckout(repo);
    const result = await run({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] }, repo, home);
    expect(result.exitCode).toBe(0);
    expect(snapshotCheckout(repo)).toEqual(before);
    const warning = jsonLines(result.stdout).find((e) => e.type === 'session.warning');
    expect(String(warning?.['message'])).toMatch(/3 uncommitted change\(s\).*not in this session/);
    const worktree = String(summaryOf(result.stdout).worktree);
    expect(fs.existsSync(path.join(worktree, 'untracked.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(worktree, 'README.md'), 'utf8')).toBe('# demo\n');
  });

  it('makes a fresh repository for the session when run outside any repository', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-norepo-'));
    const home = path.join(tmp, 'home');
    await server.setScript({ coder: [{ content: code("print('hello')") }], sheriff: [PASS] });
    const result = await runCli(['run', 'Print hello', '--server-url', server.url, '--json'], { cwd: tmp, home });
    expect(result.exitCode).toBe(0);
    const summary = summaryOf(result.stdout);
    expect(String(summary.worktree).startsWith(home)).toBe(true);
    expect(fs.readdirSync(tmp).sort()).toEqual(['home']); // nothing made in the current folder
  });

  it('cancels cleanly on Ctrl-C during a model turn', async () => {
    const { repo, home } = setup();
    await server.setScript({ coder: [{ content: code("print('slow')".repeat(20)), tokensPerSecond: 5 }], sheriff: [PASS] });
    let pid = 0;
    let sent = false;
    const result = await runCli(['run', 'Print hello', '--server-url', server.url, '--json'], {
      cwd: repo,
      home,
      onSpawn: (p) => (pid = p),
      onStdout: (text) => {
        if (!sent && text.includes('"token.delta"')) {
          sent = true;
          process.kill(pid, 'SIGINT');
        }
      },
    });
    expect(result.exitCode).toBe(1);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'cancelled' });
    expect(result.durationMs).toBeLessThan(15_000);
  });

  it('answers READ requests and then applies the edit', async () => {
    const { repo, home } = setup();
    const result = await run(
      { coder: [{ content: 'READ README.md' }, { content: code("print(open('README.md').read())") }], sheriff: [PASS] },
      repo,
      home,
    );
    expect(result.exitCode).toBe(0);
    const requests = await server.requests();
    const second = requests.filter((r) => r.persona === 'coder')[1];
    expect(JSON.stringify(second?.messages)).toContain('# demo');
  });

  it('answers a reply with no usable edit with a correction, not an attempt', async () => {
    const { repo, home } = setup();
    const result = await run(
      { coder: [{ content: 'I would write some code here.' }, { content: code("print('hello')") }], sheriff: [PASS] },
      repo,
      home,
    );
    expect(result.exitCode).toBe(0);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'passed', attempts: 1 });
    expect(jsonLines(result.stdout).some((e) => e.type === 'edit.rejected')).toBe(true);
  });
});

/** Live (non-zombie) processes whose command line contains `marker` (Linux /proc). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(marker) && !/\) Z /.test(stat)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
