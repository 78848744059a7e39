import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBwrapArgs } from '../../src/sandbox/bwrap-args.js';
import { threadsFromStat } from '../../src/sandbox/count-user-processes.js';
import { buildLimitPrelude } from '../../src/sandbox/limit-prelude.js';
import { shellQuote } from '../../src/sandbox/shell-quote.js';
import {
  defaultCpuSeconds,
  defaultMemoryBytes,
  limitNotice,
  limitsFromSettings,
  noLimitsReport,
  resolveResourceLimits,
  type ResourceReport,
} from '../../src/sandbox/resource-limits.js';
import {
  createRunCgroup,
  hostPidOfRunCgroup,
  parseCgroupMounts,
  parseKeyValues,
  parseProcCgroup,
  RUN_CGROUP_PREFIX,
} from '../../src/sandbox/run-cgroup.js';
import { buildUnixSocketFilter } from '../../src/sandbox/seccomp-filter.js';

const GiB = 1024 ** 3;
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limits-unit-'));
  temps.push(dir);
  return dir;
}

describe('resource limit defaults', () => {
  it('memory is min(4 GiB, half the RAM)', () => {
    expect(defaultMemoryBytes(64 * GiB)).toBe(4 * GiB);
    expect(defaultMemoryBytes(8 * GiB)).toBe(4 * GiB);
    expect(defaultMemoryBytes(6 * GiB)).toBe(3 * GiB);
  });

  it('CPU time is the timeout times the cores (plus one), never below 1 s', () => {
    expect(defaultCpuSeconds(60_000, 8)).toBe(481);
    expect(defaultCpuSeconds(1500, 2)).toBe(5);
    expect(defaultCpuSeconds(1, 0)).toBe(2);
  });

  it('fills what the request leaves out and rejects nonsense', () => {
    const machine = { totalMemoryBytes: 16 * GiB, cpus: 4 };
    expect(resolveResourceLimits(undefined, 10_000, machine)).toEqual({ memoryBytes: 4 * GiB, processes: 512, cpuSeconds: 41 });
    expect(resolveResourceLimits({ processes: 64 }, 10_000, machine)).toMatchObject({ processes: 64, memoryBytes: 4 * GiB });
    expect(() => resolveResourceLimits({ processes: 0 }, 10_000, machine)).toThrow(/limits.processes/);
    expect(() => resolveResourceLimits({ memoryBytes: 1.5 }, 10_000, machine)).toThrow(/limits.memoryBytes/);
  });

  it('maps factory.yaml’s sandbox keys (null = default)', () => {
    expect(limitsFromSettings({ max_memory_mb: null, max_processes: 512 })).toEqual({ processes: 512 });
    expect(limitsFromSettings({ max_memory_mb: 256, max_processes: 64 })).toEqual({ memoryBytes: 256 * 1024 * 1024, processes: 64 });
    expect(limitsFromSettings({})).toEqual({});
  });
});

describe('limitNotice', () => {
  const limits = { memoryBytes: 256 * 1024 * 1024, processes: 512, cpuSeconds: 61 };
  const report = (over: Partial<ResourceReport>): ResourceReport => ({ ...noLimitsReport(), limits, ...over });

  it('is empty when nothing was hit, or when limits were off', () => {
    expect(limitNotice(report({}))).toBe('');
    expect(limitNotice({ ...noLimitsReport(), memoryLimitHit: true })).toBe('');
  });

  it('names each limit that stopped something', () => {
    const text = limitNotice(report({ memoryLimitHit: true, forksRefused: 7, peakProcesses: 512, cpuLimitHit: true }));
    expect(text).toContain('memory limit (256 MB)');
    expect(text).toContain('limit of 512 processes (512 at the peak): 7 attempt(s)');
    expect(text).toContain('CPU-time limit (61 s)');
    expect(text.startsWith('\n') && text.endsWith('\n')).toBe(true);
  });
});

describe('buildLimitPrelude', () => {
  /** Runs the prelude for real: `sh -c PRELUDE sh -c PROBE`. */
  const run = (prelude: string, probe: string): string =>
    execFileSync('/bin/sh', ['-c', prelude, '/bin/sh', '-c', probe], { encoding: 'utf8' });

  it('sets CPU (soft, hard = soft + grace) and data limits, then execs the program with its arguments', () => {
    const prelude = buildLimitPrelude({
      cgroupProcsFiles: [],
      cpuSeconds: 7,
      dataBytes: 512 * 1024 * 1024,
      maxUserProcesses: null,
      watchdogFd: null,
    });
    expect(run(prelude, 'ulimit -S -t; ulimit -H -t; ulimit -S -d; echo "$0"')).toBe('7\n12\n524288\n/bin/sh\n');
  });

  it('spells the process limit so that both dash (-p) and bash (-u) understand it', () => {
    const prelude = buildLimitPrelude({
      cgroupProcsFiles: [],
      cpuSeconds: null,
      dataBytes: null,
      maxUserProcesses: 4321,
      watchdogFd: null,
    });
    expect(prelude).toContain('ulimit -S -u 4321');
    expect(prelude).toContain('ulimit -S -p 4321');
    const out = execFileSync('/bin/sh', ['-c', `${prelude.replace('exec "$0" "$@"', '')}\nulimit -p 2>/dev/null || ulimit -u`], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('4321');
  });

  it('joins every cgroup before anything else, and says so on stderr when it cannot', () => {
    const dir = tempDir();
    const files = [path.join(dir, 'pids procs'), path.join(dir, "it's")];
    const prelude = buildLimitPrelude({
      cgroupProcsFiles: files,
      cpuSeconds: null,
      dataBytes: null,
      maxUserProcesses: null,
      watchdogFd: null,
    });
    const pid = run(prelude, 'echo $$').trim();
    for (const file of files) expect(fs.readFileSync(file, 'utf8').trim()).toBe(pid); // the exec'd program is the one that joined
    const failing = buildLimitPrelude({
      cgroupProcsFiles: [path.join(dir, 'missing', 'cgroup.procs')],
      cpuSeconds: null,
      dataBytes: null,
      maxUserProcesses: null,
      watchdogFd: null,
    });
    const result = execFileSync('/bin/sh', ['-c', `${failing}`, '/bin/sh', '-c', 'echo ran'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result).toBe('ran\n');
  });

  it('closes the watchdog descriptor for the program and opens input files on theirs', () => {
    const dir = tempDir();
    const input = path.join(dir, 'filter.bin');
    fs.writeFileSync(input, 'FILTER');
    const prelude = buildLimitPrelude({
      cgroupProcsFiles: [],
      cpuSeconds: null,
      dataBytes: null,
      maxUserProcesses: null,
      watchdogFd: 3,
      inputFds: [{ fd: 4, file: input }],
    });
    expect(prelude).toContain('kill -s KILL 0');
    expect(prelude).toMatch(/exec "\$0" "\$@" 3<&- 4<'?\/.*filter\.bin'?$/);
    // Run without the watchdog line: its `kill 0` would hit the test runner's own process group.
    const withoutWatchdog = prelude
      .split('\n')
      .filter((line) => !line.includes('kill -s KILL 0'))
      .join('\n');
    const out = execFileSync(
      '/bin/sh',
      [
        '-c',
        `exec 3</dev/null\n${withoutWatchdog}`,
        '/bin/sh',
        '-c',
        'cat <&4; (true <&3) 2>/dev/null && echo fd3-open || echo fd3-closed',
      ],
      { encoding: 'utf8' },
    );
    expect(out).toBe('FILTERfd3-closed\n');
  });

  it('quotes for the shell', () => {
    for (const value of ["it's", 'a b', '$HOME', '`x`', '"q"', '', 'a*', '~/x', 'app.py']) {
      expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`, 'sh'], { encoding: 'utf8', cwd: '/' })).toBe(value);
    }
    // Plain words stay readable (`sessions show` prints the check): no quotes where none are needed.
    expect(shellQuote('src/app.py')).toBe('src/app.py');
  });
});

describe('cgroup parsing', () => {
  it('finds v1 hierarchies (pids, memory) and the v2 mount', () => {
    const mounts = [
      'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
      'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
      'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0',
      'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
    ].join('\n');
    expect(parseCgroupMounts(mounts)).toEqual([
      { version: 'v1', mountPoint: '/sys/fs/cgroup/pids', controllers: ['pids'] },
      { version: 'v1', mountPoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: [] },
      { version: 'v1', mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'] },
      { version: 'v2', mountPoint: '/sys/fs/cgroup/unified', controllers: [] },
    ]);
  });

  it('reads /proc/self/cgroup for v1 controllers and the v2 path', () => {
    const own = parseProcCgroup('9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n0::/user.slice/app.scope\n');
    expect(own.get('pids')).toBe('/');
    expect(own.get('memory')).toBe('/process_api/abc');
    expect(own.get('cpuacct')).toBe('/x');
    expect(own.get('')).toBe('/user.slice/app.scope');
  });

  it('reads event counters and recognises its own cgroup names', () => {
    expect(parseKeyValues('max 451\n').get('max')).toBe(451);
    expect(parseKeyValues('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n').get('oom_kill')).toBe(2);
    expect(hostPidOfRunCgroup(`${RUN_CGROUP_PREFIX}1234-0a1b2c3d`)).toBe(1234);
    expect(hostPidOfRunCgroup('user.slice')).toBeNull();
    expect(hostPidOfRunCgroup(`${RUN_CGROUP_PREFIX}x-1`)).toBeNull();
  });

  it('v2: enables pids and memory for children of its own cgroup, then limits a child (simulated tree)', async () => {
    const root = tempDir();
    const own = path.join(root, 'cg', 'app.slice');
    fs.mkdirSync(own, { recursive: true });
    fs.writeFileSync(path.join(own, 'cgroup.controllers'), 'cpu memory pids\n');
    fs.writeFileSync(path.join(own, 'cgroup.subtree_control'), '');
    const mountsFile = path.join(root, 'mounts');
    fs.writeFileSync(mountsFile, `cgroup2 ${path.join(root, 'cg')} cgroup2 rw 0 0\n`);
    const procCgroupFile = path.join(root, 'self-cgroup');
    fs.writeFileSync(procCgroupFile, '0::/app.slice\n');
    const group = await createRunCgroup({ memoryBytes: 1234567, processes: 99 }, { mountsFile, procCgroupFile });
    expect(group?.version).toBe('v2');
    const dir = group?.pidsDir ?? '';
    expect(path.dirname(dir)).toBe(own);
    expect(group?.memoryDir).toBe(dir);
    expect(fs.readFileSync(path.join(dir, 'pids.max'), 'utf8')).toBe('99');
    expect(fs.readFileSync(path.join(dir, 'memory.max'), 'utf8')).toBe('1234567');
    expect(group?.procsFiles).toEqual([path.join(dir, 'cgroup.procs')]);
  });

  it('v1: one child per hierarchy, under the process’s own cgroup there (simulated tree)', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'pids'));
    fs.mkdirSync(path.join(root, 'memory', 'job', '1'), { recursive: true });
    const mountsFile = path.join(root, 'mounts');
    fs.writeFileSync(mountsFile, `cgroup ${root}/pids cgroup rw,pids 0 0\ncgroup ${root}/memory cgroup rw,memory 0 0\n`);
    const procCgroupFile = path.join(root, 'self-cgroup');
    fs.writeFileSync(procCgroupFile, '8:pids:/\n4:memory:/job/1\n');
    const group = await createRunCgroup({ memoryBytes: 5555, processes: 7 }, { mountsFile, procCgroupFile });
    expect(group?.version).toBe('v1');
    expect(path.dirname(group?.pidsDir ?? '')).toBe(path.join(root, 'pids'));
    expect(path.dirname(group?.memoryDir ?? '')).toBe(path.join(root, 'memory', 'job', '1'));
    expect(fs.readFileSync(path.join(group?.memoryDir ?? '', 'memory.limit_in_bytes'), 'utf8')).toBe('5555');
    expect(group?.procsFiles).toHaveLength(2);
  });

  it('no cgroup file system: null (the caller falls back to rlimits)', async () => {
    const root = tempDir();
    const mountsFile = path.join(root, 'mounts');
    fs.writeFileSync(mountsFile, 'proc /proc proc rw 0 0\n');
    expect(await createRunCgroup({ memoryBytes: 1, processes: 1 }, { mountsFile, procCgroupFile: mountsFile })).toBeNull();
  });
});

describe('threadsFromStat', () => {
  it('reads num_threads even when the command name has spaces and parentheses', () => {
    const fields = ['S', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17'];
    expect(threadsFromStat(`42 (a (b) c) ${fields.join(' ')} 99 0 0`)).toBe(17);
    expect(threadsFromStat('42 (x) S')).toBe(1);
  });
});

/** A tiny interpreter for the few classic-BPF instructions the filter uses. */
function runFilter(program: Buffer, data: { nr: number; arch: number; arg0: number; arg1?: number }): number {
  const word = (offset: number): number =>
    offset === 0 ? data.nr : offset === 4 ? data.arch : offset === 16 ? data.arg0 : offset === 24 ? (data.arg1 ?? 0) : 0;
  let acc = 0;
  for (let pc = 0; pc < program.length / 8;) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) acc = word(k);
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x35) pc += acc >= k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected BPF code ${code}`);
    pc += 1;
  }
  throw new Error('fell off the end of the program');
}

describe('buildUnixSocketFilter', () => {
  const ALLOW = 0x7fff0000;
  const EPERM = 0x00050001;
  const ENOSYS = 0x00050026;
  const KILL = 0x80000000;

  it.each([
    ['x64', 0xc000003e, 41],
    ['arm64', 0xc00000b7, 198],
  ] as const)(
    '%s: socket(AF_UNIX) → EPERM, other families and system calls allowed, io_uring → ENOSYS, other ABIs killed',
    (arch, auditArch, socketNr) => {
      const filter = buildUnixSocketFilter(arch);
      if (filter === null) throw new Error('no filter');
      expect(runFilter(filter, { arch: auditArch, nr: socketNr, arg0: 1 })).toBe(EPERM);
      expect(runFilter(filter, { arch: auditArch, nr: socketNr, arg0: 2 })).toBe(ALLOW); // AF_INET: the netns confines it
      expect(runFilter(filter, { arch: auditArch, nr: socketNr, arg0: 10 })).toBe(ALLOW); // AF_INET6
      expect(runFilter(filter, { arch: auditArch, nr: 425, arg0: 0 })).toBe(ENOSYS);
      expect(runFilter(filter, { arch: auditArch, nr: 0, arg0: 1 })).toBe(ALLOW);
      expect(runFilter(filter, { arch: 0x40000003, nr: socketNr, arg0: 1 })).toBe(KILL); // i386 / arm32 compat
    },
  );

  it.each([
    ['x64', 0xc000003e, [248, 249, 250], 16],
    ['arm64', 0xc00000b7, [217, 218, 219], 29],
  ] as const)(
    '%s: the kernel keyring (add_key, request_key, keyctl) and TIOCSTI/TIOCLINUX ioctls → EPERM, other ioctls allowed',
    (arch, auditArch, keyring, ioctl) => {
      const filter = buildUnixSocketFilter(arch);
      if (filter === null) throw new Error('no filter');
      for (const nr of keyring) expect(runFilter(filter, { arch: auditArch, nr, arg0: 0 }), String(nr)).toBe(EPERM);
      expect(runFilter(filter, { arch: auditArch, nr: ioctl, arg0: 0, arg1: 0x5412 })).toBe(EPERM); // TIOCSTI
      expect(runFilter(filter, { arch: auditArch, nr: ioctl, arg0: 0, arg1: 0x541c })).toBe(EPERM); // TIOCLINUX
      expect(runFilter(filter, { arch: auditArch, nr: ioctl, arg0: 1, arg1: 0x5401 })).toBe(ALLOW); // TCGETS: isatty() and friends
    },
  );

  it('x64: x32 system calls (bit 30 set) are killed', () => {
    const filter = buildUnixSocketFilter('x64');
    if (filter === null) throw new Error('no filter');
    expect(runFilter(filter, { arch: 0xc000003e, nr: 0x40000000 + 41, arg0: 1 })).toBe(KILL);
  });

  it('has none for architectures it does not know (no filter is used there)', () => {
    expect(buildUnixSocketFilter('ia32')).toBeNull();
  });

  it('bwrap gets --seccomp FD before the command when a filter is used', () => {
    const args = buildBwrapArgs({ command: 'true', cwd: '/w', worktree: '/w', tmpDir: '/t', writableDirs: [], hidden: [], seccompFd: 4 });
    expect(args.slice(-7)).toEqual(['--seccomp', '4', '--chdir', '/w', '/bin/sh', '-c', 'true']);
    expect(buildBwrapArgs({ command: 'true', cwd: '/w', worktree: '/w', tmpDir: '/t', writableDirs: [], hidden: [] })).not.toContain(
      '--seccomp',
    );
  });
});
