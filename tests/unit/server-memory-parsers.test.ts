import { describe, expect, it } from 'vitest';
import { parseMeminfo, parseStatPpid, parseStatusRss } from '../../src/server/memory/linux-proc.js';
import {
  availableFromVmStat,
  parsePsParents,
  parsePsRss,
  parseTopFootprints,
  parseTopSize,
  parseVmStat,
} from '../../src/server/memory/macos-memory.js';
import { RingBuffer } from '../../src/server/memory/ring-buffer.js';

const GiB = 1024 ** 3;

// Real vm_stat output of a 48 GiB Apple silicon Mac under memory pressure (~47 of 48 GB used, 4.2 GB of swap).
const VM_STAT_48G = `Mach Virtual Memory Statistics: (page size of 16384 bytes)
Pages free:                               64712.
Pages active:                            996993.
Pages inactive:                          994622.
Pages speculative:                         1744.
Pages throttled:                              0.
Pages wired down:                        353323.
Pages purgeable:                          22116.
"Translation faults":               13199997030.
Pages copy-on-write:                  497042267.
Pages zero filled:                   8006565953.
Pages reactivated:                    961802261.
Pages purged:                         135950217.
File-backed pages:                       468696.
Anonymous pages:                        1524663.
Pages stored in compressor:             2068175.
Pages occupied by compressor:            678569.
Decompressions:                       540537069.
Compressions:                         654962760.
Pageins:                              180666184.
Pageouts:                                979770.
Swapins:                                2197041.
Swapouts:                               4209984.
`;

// An older macOS (no "Anonymous pages" line), 4 KiB pages.
const VM_STAT_OLD = `Mach Virtual Memory Statistics: (page size of 4096 bytes)
Pages free:                               37279.
Pages active:                           1514200.
Pages inactive:                         1152997.
Pages speculative:                         6214.
Pages wired down:                       1174408.
`;

// The layout of `top -l 1 -s 0 -stats pid,mem -pid …`: the summary block, a blank line, then the
// PID/MEM table, with sizes as top formats them (unit suffix, +/- when the value grew or shrank).
const TOP = `Processes: 700 total, 3 running, 697 sleeping, 3021 threads
2026/11/23 16:04:41
Load Avg: 3.12, 2.85, 2.50
CPU usage: 45.2% user, 12.3% sys, 42.5% idle
SharedLibs: 600M resident, 80M data, 50M linkedit.
MemRegions: 412345 total, 12G resident, 300M private, 4G shared.
PhysMem: 47G used (5120M wired, 10G compressor), 1024M unused.
VM: 300T vsize, 4759M framework vsize, 2197041(0) swapins, 4209984(0) swapouts.
Networks: packets: 1/1M in, 1/1M out.
Disks: 1/1G read, 1/1G written.

PID    MEM
4242   10G
77     3072M+
91     1.5G-
12     560K
13     0B
`;

describe('macOS parsers (vm_stat, top, ps)', () => {
  it('reads the page size and every counter of vm_stat', () => {
    const vm = parseVmStat(VM_STAT_48G);
    expect(vm?.pageSize).toBe(16384);
    expect(vm?.pages.get('free')).toBe(64712);
    expect(vm?.pages.get('wired down')).toBe(353323);
    expect(vm?.pages.get('file-backed')).toBe(468696);
    expect(vm?.pages.get('anonymous')).toBe(1524663);
    expect(vm?.pages.get('occupied by compressor')).toBe(678569);
    expect(vm?.pages.get('translation faults')).toBe(13199997030);
  });

  it('counts available memory as Activity Monitor does: total − (wired + compressed + app memory)', () => {
    const vm = parseVmStat(VM_STAT_48G);
    if (vm === null) throw new Error('no parse');
    const available = availableFromVmStat(vm, 48 * GiB);
    const usedPages = 353323 + 678569 + (1524663 - 22116);
    expect(available).toBe(48 * GiB - usedPages * 16384);
    // ≈ 9.3 GiB: far less than free+inactive (16.5 GiB), which would hide the swapping machine's pressure.
    expect(available / GiB).toBeCloseTo(9.33, 1);
  });

  it('falls back to free + inactive + speculative without the anonymous count', () => {
    const vm = parseVmStat(VM_STAT_OLD);
    if (vm === null) throw new Error('no parse');
    expect(vm.pageSize).toBe(4096);
    expect(availableFromVmStat(vm, 16 * GiB)).toBe((37279 + 1152997 + 6214) * 4096);
  });

  it('rejects text that is not vm_stat', () => {
    expect(parseVmStat('command not found')).toBeNull();
    expect(parseVmStat('Mach Virtual Memory Statistics: (page size of 4096 bytes)\n')).toBeNull();
  });

  it('parses top sizes with units and change markers', () => {
    expect(parseTopSize('10G')).toBe(10 * GiB);
    expect(parseTopSize('3072M+')).toBe(3072 * 1024 ** 2);
    expect(parseTopSize('1.5G-')).toBe(1.5 * GiB);
    expect(parseTopSize('560K')).toBe(560 * 1024);
    expect(parseTopSize('0B')).toBe(0);
    expect(parseTopSize('123')).toBe(123);
    expect(parseTopSize('N/A')).toBeNull();
  });

  it('reads the physical footprint of each pid from top, skipping the summary', () => {
    const sizes = parseTopFootprints(TOP);
    expect([...sizes.entries()]).toEqual([
      [4242, 10 * GiB],
      [77, 3072 * 1024 ** 2],
      [91, 1.5 * GiB],
      [12, 560 * 1024],
      [13, 0],
    ]);
    expect(parseTopFootprints('Processes: 1 total\n')).toEqual(new Map());
  });

  it('reads ps parents and RSS', () => {
    const parents = parsePsParents('    1     0\n  500     1\n  501   500\n  502   500\n garbage\n');
    expect(parents.get(500)).toEqual([501, 502]);
    const rss = parsePsRss('  501  2048\n  502 10\n');
    expect(rss.get(501)).toBe(2048 * 1024);
    expect(rss.get(502)).toBe(10 * 1024);
  });
});

describe('Linux /proc parsers', () => {
  it('reads total and available from /proc/meminfo', () => {
    const text =
      'MemTotal:       24683656 kB\nMemFree:        23000000 kB\nMemAvailable:   24029172 kB\nBuffers:            1000 kB\nCached:          500000 kB\n';
    expect(parseMeminfo(text)).toEqual({ totalBytes: 24683656 * 1024, availableBytes: 24029172 * 1024 });
  });

  it('estimates available on kernels without MemAvailable', () => {
    expect(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n')).toEqual({
      totalBytes: 1000 * 1024,
      availableBytes: 310 * 1024,
    });
    expect(parseMeminfo('nothing here')).toBeNull();
  });

  it('reads VmRSS (absent for kernel threads)', () => {
    expect(parseStatusRss('Name:\tpython3\nVmPeak:\t 100 kB\nVmRSS:\t   86016 kB\nThreads:\t5\n')).toBe(86016 * 1024);
    expect(parseStatusRss('Name:\tkthreadd\nThreads:\t1\n')).toBeNull();
  });

  it('reads the parent pid even when the command name has spaces and parentheses', () => {
    expect(parseStatPpid('1234 (python3 (mlx) x) S 77 1234 1234 0 -1 4194560')).toBe(77);
  });
});

describe('RingBuffer', () => {
  it('keeps the last N, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
    expect(ring.last()).toBe(5);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});
