// runSandboxed's resource limits and parent-death handling, measured with real programs: a fork bomb
// and a memory hog under the cgroup limits (and the rlimit fallback), a CPU burner under RLIMIT_CPU,
// the Unix-socket filter (and what it must not break), and what happens to a run whose host is
// SIGKILLed where no PID namespace cleans up (no sandbox, or macOS): the watchdog, then the cgroup
// sweep for anything that escaped the process group.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxed, type ExecRequest } from '../../src/sandbox/index.js';
import { reapStaleRunCgroups, RUN_CGROUP_PREFIX } from '../../src/sandbox/run-cgroup.js';
import { removeStaleRunFiles, runTmpPrefix } from '../../src/sandbox/stale-run-files.js';
import { requireBwrap } from './fault-support.js';
import { waitFor } from '../support/wait-for.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST_SCRIPT = fileURLToPath(new URL('./fixtures/sandbox-host.ts', import.meta.url));
let cwd: string;

beforeAll(async () => {
  await requireBwrap();
  cwd = fs.realpathSync(fs.mkdtempSync('/var/tmp/mlxf-limits-'));
});
afterAll(async () => {
  await reapStaleRunCgroups();
  fs.rmSync(cwd, { recursive: true, force: true });
  expect(ourCgroups()).toEqual([]);
});

const run = (command: string, extra: Partial<ExecRequest> = {}) =>
  runSandboxed({ command, cwd, timeoutMs: 30_000, sandbox: 'required', ...extra });

/** Our run cgroups still present (there must be none once a run is over). */
function ourCgroups(): string[] {
  const dirs = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup'].filter((d) => fs.existsSync(d));
  return dirs.flatMap((d) => fs.readdirSync(d).filter((n) => n.startsWith(`${RUN_CGROUP_PREFIX}${process.pid}-`)));
}

interface Proc {
  pid: number;
  ppid: number;
  pgrp: number;
  cmdline: string;
}

/** Running (not zombie) processes naming `marker` in their command line. */
function runningProcs(marker: string): Proc[] {
  const found: Proc[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker)) found.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp), cmdline });
    } catch {
      // gone
    }
  }
  return found;
}

const running = (marker: string): number[] => runningProcs(marker).map((p) => p.pid);

const FORK_BOMB = 'bomb() { bomb | bomb & }; bomb; sleep 2; echo survived';
const MEMORY_HOG = `python3 -c "
b = []
while True:
    b.append(bytearray(8 * 1024 * 1024))
    print(len(b) * 8, flush=True)
"`;

describe.each(['required', 'off'] as const)('limits under the cgroup (sandbox: %s)', (sandbox) => {
  it('a fork bomb stays at the process limit and the run ends cleanly', async () => {
    const result = await run(FORK_BOMB, { sandbox, limits: { processes: 64 } });
    expect(result.resources.enforcement.processes).toMatch(/^cgroup-v[12]$/);
    expect(result.resources.peakProcesses).toBeGreaterThan(8);
    expect(result.resources.peakProcesses).toBeLessThanOrEqual(64);
    expect(result.resources.forksRefused).toBeGreaterThan(0);
    expect(result.output).toMatch(/The run reached its limit of 64 processes \(\d+ at the peak\): \d+ attempt/);
    expect(result.timedOut).toBe(false);
    expect(ourCgroups()).toEqual([]);
    console.info(
      `[faults] fork bomb (${sandbox}): peak ${result.resources.peakProcesses}/64 processes, ${result.resources.forksRefused} forks refused, ${result.durationMs} ms`,
    );
  });

  it('a memory hog is OOM-killed at the limit, and the result says so', async () => {
    const limit = 128 * 1024 * 1024;
    const result = await run(MEMORY_HOG, { sandbox, limits: { memoryBytes: limit } });
    expect(result.resources).toMatchObject({ memoryLimitHit: true, limits: { memoryBytes: limit } });
    expect(result.resources.enforcement.memory).toMatch(/^cgroup-v[12]$/);
    expect(result.resources.peakMemoryBytes).toBeLessThanOrEqual(limit);
    expect(result.exitCode === 137 || result.signal === 'SIGKILL').toBe(true);
    expect(result.output).toContain('[mlx-factory] The run reached its memory limit (128 MB)');
    const reached = Math.max(...[...result.output.matchAll(/^(\d+)$/gm)].map((m) => Number(m[1])));
    expect(reached).toBeLessThanOrEqual(128);
    console.info(
      `[faults] memory hog (${sandbox}): killed after ${reached} MB of a 128 MB limit (peak ${Math.round((result.resources.peakMemoryBytes ?? 0) / 2 ** 20)} MB)`,
    );
  });
});

describe('limits everywhere else', () => {
  it('RLIMIT_CPU stops a CPU burner and the result says so', async () => {
    const result = await run('python3 -c "while True: pass"', { limits: { cpuSeconds: 1 } });
    expect(result.resources).toMatchObject({ cpuLimitHit: true, enforcement: { cpu: 'rlimit' } });
    expect(result.durationMs).toBeLessThan(10_000);
    expect(result.output).toContain('used up its CPU-time limit (1 s)');
  });

  it('without a cgroup, memory falls back to RLIMIT_DATA (as root the process count is not limited: documented)', async () => {
    const result = await run(MEMORY_HOG, { limits: { memoryBytes: 128 * 1024 * 1024, cgroups: false } });
    expect(result.resources.enforcement).toEqual({
      memory: 'rlimit',
      processes: process.getuid?.() === 0 ? 'none' : 'rlimit',
      cpu: 'rlimit',
    });
    expect(result.output).toMatch(/MemoryError/);
    expect(result.exitCode).toBe(1);
  });

  it('defaults: 512 processes, min(4 GiB, half the RAM), CPU = timeout × cores; `limits: false` turns them off', async () => {
    const result = await run('true');
    expect(result.resources.limits).toMatchObject({ processes: 512 });
    expect(result.resources.limits?.memoryBytes).toBeLessThanOrEqual(4 * 1024 ** 3);
    const off = await run('true', { limits: false });
    expect(off.resources).toMatchObject({ limits: null, enforcement: { memory: 'none', processes: 'none', cpu: 'none' } });
    expect(off.exitCode).toBe(0);
  });

  it('the Unix-socket filter blocks socket(AF_UNIX) but not socketpair, subprocesses, Node or git', async () => {
    const result = await run(
      [
        `python3 -c "
import socket, subprocess, multiprocessing
a, b = socket.socketpair(); a.send(b'pair'); print(b.recv(4).decode())
print(subprocess.run(['echo', 'subprocess'], capture_output=True, text=True).stdout.strip())
with multiprocessing.Pool(2) as p: print('pool', sum(p.map(abs, [-1, -2])))
try:
    socket.socket(socket.AF_UNIX)
    print('unix socket ALLOWED')
except PermissionError as e:
    print('unix socket denied')
socket.socket(socket.AF_INET).close(); print('inet socket object ok')
"`,
        `node -e "require('child_process').execFile('echo', ['node child'], (e, out) => console.log(out.trim()))"`,
        'git --version >/dev/null && echo git',
      ].join('\n'),
    );
    expect(result.output.split('\n').filter((l) => l !== '')).toEqual([
      'pair',
      'subprocess',
      'pool 3',
      'unix socket denied',
      'inet socket object ok',
      'node child',
      'git',
    ]);
  });
  it('the kernel keyring is out of reach: keyctl, add_key and request_key fail with EPERM', async () => {
    const result = await run(
      `python3 -c "
import ctypes, platform
nrs = {'x86_64': (250, 248, 249), 'aarch64': (219, 217, 218)}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
for name, nr, args in (('keyctl', nrs[0], (0, -3, 0)), ('add_key', nrs[1], (b'user', b'x', b'y', 1, -3)), ('request_key', nrs[2], (b'user', b'x', None, 0))):
    r = libc.syscall(nr, *args)
    print(name, 'denied' if r == -1 and ctypes.get_errno() == 1 else 'ALLOWED %d errno %d' % (r, ctypes.get_errno()))
"`,
    );
    expect(result.output.split('\n').filter((l) => l !== '')).toEqual(['keyctl denied', 'add_key denied', 'request_key denied']);
  });
});

describe('a host SIGKILLed mid-run where no PID namespace cleans up (sandbox off; macOS alike)', () => {
  it('the watchdog kills the run’s process group at once; the cgroup sweep of the next start kills what escaped it', async () => {
    const marker = `5151.${crypto.randomInt(100000, 999999)}`;
    const command = [
      `sleep ${marker} &`,
      `sh -c 'sleep ${marker}' &`,
      // A daemon: new session, double fork — out of the process group's reach.
      `python3 -c "import os, time; os.setsid(); os.fork() and os._exit(0); time.sleep(1000)  # ${marker}" &`,
      'echo ready',
      'wait',
    ].join('\n');
    const host = spawn(process.execPath, ['--import', 'tsx', HOST_SCRIPT, command, 'off'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    host.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    // `cwd` of the host script is the project root, so runSandboxed runs there; only the marker matters.
    // Both sleeps, the shell around one, and the daemon once it has left the group.
    const pgidOf = (): number => Number(/started (\d+)/.exec(out)?.[1] ?? Number.NaN);
    const daemonStarted = (): boolean => runningProcs(marker).some((p) => /^\S*python3\S* -c /.test(p.cmdline) && p.pgrp !== pgidOf());
    await waitFor(
      'the sandboxed host, its sleeps and the escaped daemon',
      () => out.includes('ready') && running(marker).length >= 4 && daemonStarted(),
    );
    const pgid = pgidOf();
    // The run's private temp dir, named after the host's pid.
    const runTmpDirs = (): string[] => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(runTmpPrefix(host.pid)));
    expect(runTmpDirs()).toHaveLength(1);
    host.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('the process group to be gone', () => runningProcs(marker).every((p) => p.pgrp !== pgid));
    const groupGoneMs = Date.now() - killedAt;
    const escaped = running(marker);
    expect(escaped).toHaveLength(1); // the daemon, and only it
    // What the next start of any host does first: empty the cgroups of dead hosts.
    const killed = await reapStaleRunCgroups();
    expect(killed).toEqual(escaped);
    const sweptAt = Date.now();
    await waitFor('the escaped daemon to be swept', () => running(marker).length === 0);
    const sweptMs = Date.now() - sweptAt;
    // And the dead host's private temp dir goes too — swept by this call, or already by the first run
    // of another test process (every process sweeps the files of dead hosts once, at its first run).
    const leftBehind = runTmpDirs();
    expect(await removeStaleRunFiles()).toEqual(expect.arrayContaining(leftBehind));
    expect(runTmpDirs()).toEqual([]);
    console.info(
      `[faults] host SIGKILLed, no sandbox: process group gone ${groupGoneMs} ms later (watchdog); escaped daemon killed by the cgroup sweep in ${sweptMs} ms`,
    );
  });
});
