// What the OS sandbox (bubblewrap on Linux, sandbox-exec on macOS) must actually prevent, checked
// with real programs: network, writes outside the worktree, reading credentials. These tests
// fail, never skip, when the sandbox is missing (see requireSandbox).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxed, type ExecRequest } from '../../src/sandbox/index.js';
import { EXPECTED_SANDBOX, makeDir, requireSandbox, survivors, uniqueMarker } from './sandbox-support.js';

// Not under /tmp: bubblewrap gives the command a private, writable tmpfs at /tmp, so `..` of a
// worktree under /tmp would be that throw-away tmpfs rather than the (read-only) host.
const BASE_PARENT = '/var/tmp';

describe('the OS sandbox', () => {
  let base: string;
  let worktree: string;
  const run = (command: string, extra: Partial<ExecRequest> = {}) =>
    runSandboxed({ command, cwd: worktree, timeoutMs: 20_000, sandbox: 'required', ...extra });

  beforeAll(async () => {
    await requireSandbox();
    base = makeDir('mlx-factory-sandbox-', BASE_PARENT);
    worktree = join(base, 'worktree');
    mkdirSync(worktree);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it(`is ${EXPECTED_SANDBOX} on ${process.platform}`, async () => {
    const result = await run('true');
    expect(result.sandbox).toEqual({ kind: EXPECTED_SANDBOX });
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let connections = 0;

    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        // The probe closes without reading: the reset that follows is expected, not an error.
        socket.on('error', () => undefined);
        socket.end('hello\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      port = typeof address === 'object' && address !== null ? address.port : 0;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const probe = () =>
      `python3 -c "
import socket
try:
    socket.create_connection(('127.0.0.1', ${port}), timeout=3).close()
    print('connected')
except OSError as e:
    print('blocked', type(e).__name__)
"`;

    it('a program cannot reach a server on the host, not even on 127.0.0.1', async () => {
      const before = connections;
      const result = await run(probe());
      expect(result.output).toMatch(/^blocked /);
      expect(connections).toBe(before);
    });

    it('(control) the same program connects without the sandbox', async () => {
      const result = await run(probe(), { sandbox: 'off' });
      expect(result.output).toBe('connected\n');
    });
  });

  it('writes succeed in the worktree, its TMPDIR and writableDirs, and nowhere else', async () => {
    const marker = uniqueMarker();
    const extraDir = join(base, 'extra');
    mkdirSync(extraDir);
    const hostProbes = [
      join(base, `outside-${marker}.txt`),
      join(homedir(), `mlx-factory-probe-${marker}`),
      join(BASE_PARENT, `mlx-factory-probe-${marker}`),
      `/tmp/mlx-factory-probe-${marker}`,
    ];
    const command = [
      'echo inside > inside.txt && echo ok-worktree',
      'echo tmp > "$TMPDIR/t" && cat "$TMPDIR/t" >/dev/null && echo ok-tmpdir',
      'echo extra > "$EXTRA/f" && echo ok-extra',
      `echo x > ../outside-${marker}.txt && echo WROTE-parent`,
      `echo x > "$HOME/mlx-factory-probe-${marker}" && echo WROTE-home`,
      `echo x > "${BASE_PARENT}/mlx-factory-probe-${marker}" && echo WROTE-var-tmp`,
      // Linux: lands in the private tmpfs (allowed, discarded); macOS: denied. Never on the host.
      `echo x > "/tmp/mlx-factory-probe-${marker}"`,
      'echo end',
    ].join('\n');
    const result = await run(command, { env: { EXTRA: extraDir }, writableDirs: [extraDir] });
    expect(result.output).toContain('ok-worktree\n');
    expect(result.output).toContain('ok-tmpdir\n');
    expect(result.output).toContain('ok-extra\n');
    expect(result.output).toContain('end\n');
    expect(result.output).not.toContain('WROTE');
    expect(result.stderrTail).toMatch(/Read-only file system|Operation not permitted|Permission denied/);
    expect(readFileSync(join(worktree, 'inside.txt'), 'utf8')).toBe('inside\n');
    expect(readFileSync(join(extraDir, 'f'), 'utf8')).toBe('extra\n');
    for (const path of hostProbes) expect(existsSync(path), path).toBe(false);
  });

  it('credentials under $HOME are hidden (~/.ssh empty or unreadable, ~/.netrc and ~/.aws unreadable)', async () => {
    const fakeHome = join(base, 'home');
    mkdirSync(join(fakeHome, '.ssh'), { recursive: true });
    mkdirSync(join(fakeHome, '.aws'));
    writeFileSync(join(fakeHome, '.ssh', 'id_ed25519'), 'PRIVATE-KEY-MARK\n');
    writeFileSync(join(fakeHome, '.netrc'), 'machine x password NETRC-MARK\n');
    writeFileSync(join(fakeHome, '.aws', 'credentials'), 'aws_secret_access_key = AWS-MARK\n');
    writeFileSync(join(fakeHome, 'notes.txt'), 'visible\n');
    const command =
      'ls -A "$HOME/.ssh"; cat "$HOME/.ssh/id_ed25519"; cat "$HOME/.netrc"; cat "$HOME/.aws/credentials"; cat "$HOME/notes.txt"';
    const savedHome = process.env.HOME;
    process.env.HOME = fakeHome; // os.homedir() and the child's HOME follow it
    try {
      const sandboxed = await run(command);
      expect(sandboxed.output).not.toMatch(/PRIVATE-KEY-MARK|NETRC-MARK|AWS-MARK/);
      expect(sandboxed.output).not.toMatch(/^id_ed25519$/m); // `ls -A ~/.ssh` lists nothing
      expect(sandboxed.output).toContain('visible\n'); // the rest of $HOME stays readable (toolchains)
      const control = await run(command, { sandbox: 'off' });
      expect(control.output).toMatch(/^id_ed25519$/m);
      expect(control.output).toContain('PRIVATE-KEY-MARK');
      expect(control.output).toContain('NETRC-MARK');
    } finally {
      process.env.HOME = savedHome;
    }
  });

  describe.runIf(process.platform === 'linux')('bubblewrap specifics', () => {
    it('root inside has no capabilities: it cannot remount / read-write', async () => {
      const marker = uniqueMarker();
      const result = await run(
        `grep CapEff /proc/self/status; mount -o remount,rw / ; touch /usr/mlx-factory-probe-${marker} && echo WROTE`,
      );
      expect(result.output).toMatch(/CapEff:\s+0+\n/);
      expect(result.output).not.toContain('WROTE');
      expect(existsSync(`/usr/mlx-factory-probe-${marker}`)).toBe(false);
    });

    it('a daemon that left the process group and was orphaned still dies with the run (PID namespace)', async () => {
      const marker = uniqueMarker();
      const result = await run(`(python3 -c "import os, time; os.setsid(); time.sleep(1000)  # ${marker}" &) ; sleep 0.3; echo bye`);
      expect(result.output).toBe('bye\n');
      expect(survivors(result.pgid, marker)).toEqual([]);
    });

    it('the command has no controlling terminal to inject keystrokes into', async () => {
      const result = await run('echo x > /dev/tty && echo HAS-TTY; echo end');
      expect(result.output).not.toContain('HAS-TTY');
      expect(result.output).toContain('end\n');
    });
  });
});
