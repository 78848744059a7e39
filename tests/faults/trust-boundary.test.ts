// The host side as the boundary (SECURITY.md): what a generated program leaves in its worktree, or
// what a repository carries, must never steer our unsandboxed code. Each attack runs through the
// real CLI, on a real repository outside /tmp, with checks in bubblewrap (or, where the point is the
// host-side defence behind the sandbox, with no sandbox at all) and the scripted model server. After
// each: the payload never ran, the user's .git and working tree are byte-for-byte as before, and no
// secret reached the model server.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { git, snapshotCheckout } from '../support/git-fixtures.js';
import { runCli, summaryOf } from '../support/run-cli.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';
import { CliProcess, FAIL, fileReply, PASS, readLog, ofType, type Workspace, useFaultHarness } from './fault-support.js';
import { waitFor } from '../support/wait-for.js';

const faults = useFaultHarness();

/** The parts of the user's .git a hostile program would aim at, as bytes. */
function userGitState(repo: string): Record<string, string> {
  const gitDir = path.join(repo, '.git');
  const state: Record<string, string> = {};
  const hash = (file: string): string =>
    fs.existsSync(file) ? crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') : 'absent';
  for (const file of ['config', 'HEAD', 'index', 'refs/heads/main', 'info/attributes']) state[file] = hash(path.join(gitDir, file));
  state['hooks'] = fs.readdirSync(path.join(gitDir, 'hooks')).sort().join(',');
  state['main'] = git(repo, 'rev-parse', 'main').trim();
  return state;
}

/** Runs `mlx-factory run` to its end; returns the summary, the events and what the server was sent. */
async function run(
  w: Workspace,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ summary: Record<string, unknown> & { status: string }; events: SessionEvent[]; sent: string; stderr: string }> {
  await faults.server.clearRequests();
  const cli = new CliProcess(['run', 'Print the answer', '--server-url', faults.server.url, '--json', ...args], {
    cwd: w.repo,
    home: w.home,
    env,
  });
  const result = await cli.done;
  const summary = summaryOf(result.stdout);
  const { events } = readLog(w.home, String(summary['session']));
  return { summary, events, sent: JSON.stringify(await faults.server.requests()), stderr: result.stderr };
}

/**
 * A PATH with every program of ours but bubblewrap: checks then run with no sandbox (the "no sandbox
 * available" warning case), which is where only the host-side defences stand between a check and us.
 */
function pathWithoutBwrap(root: string): string {
  const bin = path.join(root, 'bin-without-bwrap');
  fs.mkdirSync(bin);
  for (const dir of (process.env['PATH'] ?? '').split(':').filter((d) => d !== '' && fs.existsSync(d))) {
    for (const name of fs.readdirSync(dir)) {
      if (name === 'bwrap' || fs.existsSync(path.join(bin, name))) continue;
      fs.symlinkSync(path.join(dir, name), path.join(bin, name));
    }
  }
  return bin;
}

/** A gitdir that runs `payload` from every door git has: fsmonitor, hooks, a clean filter, a textconv. */
function hostileGitDirScript(marker: string): string {
  return `import os, subprocess
evil = os.path.abspath('evil-gitdir')
subprocess.run(['git', 'init', '-q', '--bare', evil], check=True)
hooks = os.path.join(evil, 'payload-hooks')
os.makedirs(hooks, exist_ok=True)
payload = "#!/bin/sh\\ntouch ${marker}\\n"
for hook in ('pre-commit', 'post-commit', 'pre-merge-commit', 'post-merge', 'reference-transaction', 'post-index-change'):
    with open(os.path.join(hooks, hook), 'w') as f: f.write(payload)
    os.chmod(os.path.join(hooks, hook), 0o755)
with open(os.path.join(evil, 'config'), 'a') as f:
    f.write('[core]\\n\\tbare = false\\n\\tfsmonitor = "touch ${marker}"\\n\\thooksPath = ' + hooks + '\\n[filter "x"]\\n\\tclean = "touch ${marker}; cat"\\n[diff "x"]\\n\\ttextconv = "touch ${marker}; cat"\\n')
with open('.gitattributes', 'w') as f: f.write('* filter=x diff=x\\n')
tried = []
for target in (evil, ${JSON.stringify('USER_GIT')}):
    try:
        with open('.git', 'w') as f: f.write('gitdir: ' + target + '\\n')
        tried.append('rewrote .git -> ' + target)
    except OSError as e:
        tried.append('could not rewrite .git: ' + e.strerror)
    if target == evil: break
print(*tried, sep='\\n')
`;
}

describe('the .git pointer a check rewrites', () => {
  it('in bubblewrap: the pointer is read-only; the check cannot change it and nothing of it runs', async () => {
    const ws = faults.workspace('pointer-bwrap');
    const marker = path.join(ws.root, 'PAYLOAD-RAN');
    const gitBefore = userGitState(ws.repo);
    const checkoutBefore = snapshotCheckout(ws.repo);
    await faults.server.setScript({
      coder: [{ content: fileReply(hostileGitDirScript(marker)) }, { content: fileReply("print('second attempt')") }],
      sheriff: [FAIL, PASS],
    });
    const { summary, events } = await run(ws, ['-n', '2']);
    expect(summary.status).toBe('passed');
    expect(ofType(events, 'exec.finished')[0]?.output).toContain('could not rewrite .git');
    expect(fs.existsSync(marker)).toBe(false);
    expect(userGitState(ws.repo)).toEqual(gitBefore);
    expect(snapshotCheckout(ws.repo)).toEqual(checkoutBefore);
    // Both steps landed on the session branch, none on the user's.
    expect(git(ws.repo, 'rev-list', '--count', `main..${String(summary['branch'])}`).trim()).toBe('2');
  });

  it.each([
    ['a gitdir it made (hooks, fsmonitor, filters, textconv)', 'evil'],
    ["the user's own .git", 'user'],
  ] as const)(
    'with no sandbox, pointed at %s: our git never follows it, the pointer is restored, the event is logged',
    async (_what, aim) => {
      const ws = faults.workspace(`pointer-nosandbox-${aim}`, '');
      const marker = path.join(ws.root, 'PAYLOAD-RAN');
      let script = hostileGitDirScript(marker).replace('USER_GIT', path.join(ws.repo, '.git'));
      if (aim === 'user') script = script.replace('for target in (evil, ', 'for target in (').replace('if target == evil: break', '');
      const gitBefore = userGitState(ws.repo);
      const checkoutBefore = snapshotCheckout(ws.repo);
      await faults.server.setScript({
        coder: [{ content: fileReply(script) }, { content: fileReply("print('second attempt')") }],
        sheriff: [FAIL, PASS],
      });
      const { summary, events } = await run(ws, ['-n', '2'], { PATH: pathWithoutBwrap(ws.root) });
      expect(
        ofType(events, 'session.warning')
          .map((w) => w.message)
          .join('\n'),
      ).toMatch(/No sandbox/);
      expect(ofType(events, 'exec.finished')[0]?.output).toContain('rewrote .git');
      expect(summary.status).toBe('passed');
      expect(ofType(events, 'security.event')).toEqual([expect.objectContaining({ kind: 'git-pointer-restored' })]);
      expect(fs.existsSync(marker)).toBe(false);
      expect(userGitState(ws.repo)).toEqual(gitBefore);
      expect(snapshotCheckout(ws.repo)).toEqual(checkoutBefore);
      const worktree = String(summary['worktree']);
      expect(fs.readFileSync(path.join(worktree, '.git'), 'utf8')).toMatch(
        new RegExp(`^gitdir: ${path.join(ws.repo, '.git', 'worktrees')}/`),
      );
      expect(git(ws.repo, 'rev-list', '--count', `main..${String(summary['branch'])}`).trim()).toBe('2');
      // Resume, show and diff after the fact also go through the recorded gitdir.
      const show = await runCli(['sessions', 'diff', String(summary['session'])], { cwd: ws.repo, home: ws.home });
      expect(show.exitCode, show.stderr).toBe(0);
      expect(fs.existsSync(marker)).toBe(false);
    },
  );
});

describe('links and special files a check leaves behind', () => {
  it('edits never go through a symbolic link, and READ never follows one out of the worktree', async () => {
    const ws = faults.workspace('links');
    const secret = `SECRET-${crypto.randomInt(1e8, 1e9)}`;
    const fakeHome = path.join(ws.root, 'user-home');
    fs.mkdirSync(path.join(fakeHome, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(fakeHome, '.ssh', 'id_rsa'), `-----BEGIN KEY----- ${secret}\n`);
    const leaveLinks = `import os
os.symlink(${JSON.stringify(path.join(fakeHome, '.bash_profile'))}, 'prof.txt')
os.symlink(${JSON.stringify(path.join(ws.repo, 'notes.txt'))}, 'notes-link.txt')
os.symlink(${JSON.stringify(path.join(fakeHome, '.ssh', 'id_rsa'))}, 'key.txt')
os.makedirs('sub', exist_ok=True)
os.symlink(${JSON.stringify(fakeHome)}, 'sub/home')
print('links left')`;
    const gitBefore = userGitState(ws.repo);
    const checkoutBefore = snapshotCheckout(ws.repo);
    await faults.server.setScript({
      coder: [
        { content: fileReply(leaveLinks) },
        { content: 'READ key.txt\nREAD sub/home/.ssh/id_rsa' },
        {
          content: `${fileReply('echo pwned', 'prof.txt')}\n${fileReply('overwritten', 'notes-link.txt')}\n${fileReply('x', 'sub/home/planted.txt')}`,
        },
        { content: fileReply("print('done')") },
      ],
      sheriff: [FAIL, PASS],
    });
    const { summary, events, sent } = await run(ws, ['-n', '2'], { HOME: fakeHome });
    expect(summary.status).toBe('passed');
    expect(fs.existsSync(path.join(fakeHome, '.bash_profile'))).toBe(false);
    expect(fs.existsSync(path.join(fakeHome, 'planted.txt'))).toBe(false);
    expect(sent).not.toContain(secret);
    const rejected = ofType(events, 'edit.rejected')
      .flatMap((e) => e.reasons)
      .join('\n');
    expect(rejected).toMatch(/prof\.txt: .*symbolic link/);
    expect(rejected).toMatch(/notes-link\.txt: .*symbolic link/);
    expect(rejected).toMatch(/sub\/home.*symbolic link/);
    expect(userGitState(ws.repo)).toEqual(gitBefore);
    expect(snapshotCheckout(ws.repo)).toEqual(checkoutBefore);
  });

  it('a FIFO where the edited file was does not freeze the run: it ends by its limits', async () => {
    const ws = faults.workspace('fifo');
    const started = Date.now();
    await faults.server.setScript({
      coder: [
        { content: fileReply("import os\nos.remove('main.py')\nos.mkfifo('main.py')\nprint('fifo left')") },
        { content: fileReply("print('again')"), times: 5 },
      ],
      sheriff: [FAIL],
    });
    const { summary, events } = await run(ws, ['-n', '2']);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(summary.status).toBe('failed');
    expect(
      ofType(events, 'edit.rejected')
        .flatMap((e) => e.reasons)
        .join('\n'),
    ).toMatch(/main\.py: .*(FIFO|not a regular file)/);
    expect(fs.lstatSync(path.join(String(summary['worktree']), 'main.py')).isFIFO()).toBe(true);
  });
});

describe("a repository's own factory.yaml", () => {
  it('runs no setup, copies nothing and loosens no limit until the user trusts it; then it applies', async () => {
    const root = fs.realpathSync(fs.mkdtempSync('/var/tmp/mlxf-fault-marker-'));
    const marker = path.join(root, 'SETUP-RAN');
    const ws = faults.workspace(
      'repo-config',
      `workspace:\n  setup: "touch ${marker}"\n  include: [".env"]\nagent:\n  execution_timeout: 86400\n  max_attempts: 1\nsandbox:\n  max_processes: 100000\n`,
    );
    fs.writeFileSync(path.join(ws.repo, '.env'), 'API_KEY=user-only\n');
    await faults.server.setScript({ coder: [{ content: fileReply("print('hi')") }], sheriff: [PASS] });
    const untrusted = await run(ws, []);
    expect(fs.existsSync(marker)).toBe(false);
    const created = ofType(untrusted.events, 'session.created')[0];
    expect(created?.plan?.limits).toMatchObject({ executionTimeoutMs: 60_000, maxAttempts: 1 });
    expect(fs.existsSync(path.join(String(untrusted.summary['worktree']), '.env'))).toBe(false);
    const notice = ofType(untrusted.events, 'session.warning')
      .map((w) => w.message)
      .join('\n');
    expect(notice).toContain('workspace.setup, workspace.include, agent.execution_timeout, sandbox.max_processes were ignored');
    expect(notice).toContain(`mlx-factory trust ${ws.repo}`);

    const trust = await runCli(['trust', ws.repo], { cwd: ws.repo, home: ws.home });
    expect(trust.exitCode, trust.stderr).toBe(0);
    expect(trust.stdout).toContain('Trusted');
    const trusted = await run(ws, []);
    expect(ofType(trusted.events, 'setup.finished')).toEqual([expect.objectContaining({ exitCode: 1 })]); // sandboxed: it cannot touch a file outside its worktree
    expect(fs.existsSync(marker)).toBe(false);
    expect(ofType(trusted.events, 'session.created')[0]?.plan?.limits).toMatchObject({ executionTimeoutMs: 86_400_000 });
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('what reaches the terminal and the log', () => {
  it('model text with terminal escape sequences and bidi controls reaches the terminal defused', async () => {
    const ws = faults.workspace('terminal');
    const hostile = 'Done.\u001b]0;PWNED-TITLE\u0007\u001b[2J\u001b]52;c;cHduZWQ=\u0007 \u202egnp.exe\n';
    await faults.server.setScript({
      coder: [{ content: `${hostile}${fileReply("print('\\x1b[31mred\\x1b[0m \\x1b]0;title\\x07')")}` }],
      sheriff: [{ content: `${hostile}VERDICT: PASS` }],
    });
    const result = await runCli(['run', 'Print', '--server-url', faults.server.url], { cwd: ws.repo, home: ws.home });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/\u001b\]/); // no OSC: title, clipboard
    expect(result.stdout).not.toContain('\u001b[2J');
    expect(result.stdout).not.toContain('\u202e');
    expect(result.stdout).toContain('\\u202egnp.exe');
  });

  it('a server that ignores max_tokens: the reply is cut at 16 bytes a token and the session says why', async () => {
    const ws = faults.workspace('huge-reply', 'agent:\n  max_tokens_per_turn: 256\n');
    await faults.server.setScript({ coder: [{ content: 'x '.repeat(100_000), ignoreMaxTokens: true }], sheriff: [PASS] });
    const { summary } = await run(ws, []);
    expect(summary.status).toBe('error');
    const logFile = path.join(ws.home, 'sessions', String(summary['session']), 'events.jsonl');
    // Uncut, the 200 KB reply would have logged ~7 MB of token events; cut, a few thousand tokens' worth.
    expect(fs.statSync(logFile).size).toBeLessThan(512 * 1024);
    const finished = readLog(ws.home, String(summary['session'])).events.find((e) => e.type === 'session.finished');
    expect(finished && 'reason' in finished ? finished.reason : '').toMatch(/passed 4096 bytes .*max_tokens/);
  });
});

describe('a merge into the user’s checkout, killed at many points', () => {
  const FILES = 6000;

  /** A passed session whose one step rewrites 6,000 files, made in-process as the loop makes one. */
  async function sessionRewriting(w: Workspace, trial: number): Promise<string> {
    const session = await createSessionFixture({ repo: w.repo, home: w.home, name: `Rewrite ${trial}` });
    const files: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) files[`gen/${String(i % 60)}/f${i}.txt`] = `trial ${trial} line ${i}\n`;
    await addStep(session, { files });
    finishSession(session, 'passed');
    return session.id;
  }

  it('leaves it untouched or fully merged — never half-way, never locked — and merging again converges', async () => {
    const ws = faults.workspace('merge-kill');
    const w = ws;
    const journal = path.join(w.repo, '.git', 'mlx-factory', 'merge-journal.json');
    const userFiles = {
      notes: fs.readFileSync(path.join(w.repo, 'notes.txt'), 'utf8'),
      scratch: fs.readFileSync(path.join(w.repo, 'scratch.txt'), 'utf8'),
    };
    // When to kill: milliseconds after git started (the journal exists); `git: true` kills git too (a power cut).
    const points = [
      { after: 0, git: false },
      { after: 150, git: false },
      { after: 30, git: true },
      { after: 120, git: true },
    ];
    const outcomes: string[] = [];
    for (const [trial, point] of points.entries()) {
      const id = await sessionRewriting(w, trial);
      const mainBefore = git(w.repo, 'rev-parse', 'main').trim();
      const merge = new CliProcess(['sessions', 'merge', id, '--json'], { cwd: w.repo, home: w.home });
      await waitFor('the merge journal', () => fs.existsSync(journal));
      await new Promise((resolve) => setTimeout(resolve, point.after));
      await merge.sigkill();
      // (No journal left: the merge had ended before the kill landed — nothing of git to kill.)
      if (point.git && fs.existsSync(journal)) {
        const pid = (JSON.parse(fs.readFileSync(journal, 'utf8')) as { pid: number }).pid;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // git had already finished
        }
      }
      // The next start: any command on a session of this repository settles the merge first.
      const show = await runCli(['sessions', 'diff', id, '--files'], { cwd: w.repo, home: w.home });
      expect(show.exitCode, show.stderr).toBe(0);
      expect(fs.existsSync(journal)).toBe(false);
      expect(fs.existsSync(path.join(w.repo, '.git', 'index.lock'))).toBe(false);
      const mainAfter = git(w.repo, 'rev-parse', 'main').trim();
      // Untouched or fully merged: either way the working tree is exactly main's tree plus the user's own changes.
      expect(git(w.repo, 'status', '--porcelain', '--untracked-files=all')).toBe(' M notes.txt\n?? scratch.txt\n');
      expect(git(w.repo, 'diff', '--stat', 'HEAD', '--', 'gen')).toBe('');
      outcomes.push(`${point.after} ms${point.git ? ' (git killed too)' : ''}: ${mainAfter === mainBefore ? 'untouched' : 'merged'}`);
      // Merging again converges.
      const again = await runCli(['sessions', 'merge', id, '--json'], { cwd: w.repo, home: w.home });
      expect(again.exitCode, again.stderr).toBe(0);
      expect(fs.readFileSync(path.join(w.repo, 'gen', '7', `f${FILES - 53}.txt`), 'utf8')).toBe(`trial ${trial} line ${FILES - 53}\n`);
      expect(git(w.repo, 'status', '--porcelain', '--untracked-files=all')).toBe(' M notes.txt\n?? scratch.txt\n');
    }
    expect(fs.readFileSync(path.join(w.repo, 'notes.txt'), 'utf8')).toBe(userFiles.notes);
    expect(fs.readFileSync(path.join(w.repo, 'scratch.txt'), 'utf8')).toBe(userFiles.scratch);
    console.info(`[faults] merge of ${FILES} files killed: ${outcomes.join('; ')}`);
  }, 600_000);
});
