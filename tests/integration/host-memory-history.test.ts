// The memory view's history survives a restart of the host: samples go to a bounded file in the
// app's home and come back on the next start.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemorySample } from '../../src/api/payloads.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { MemoryHistoryFile } from '../../src/host/memory-history-file.js';
import { StubServerControl } from '../support/stub-server-control.js';

let tmp = '';
afterEach(() => {
  if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
});

const sample = (n: number): MemorySample => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  server: { pids: [1], bytes: n * 1000, source: 'proc-rss' },
  system: { totalBytes: 16e9, availableBytes: 8e9, source: 'proc-meminfo' },
  app: { rssBytes: 1e8 },
});

describe('memory history on disk', () => {
  it('a new host starts with the samples the previous one recorded', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-memory-'));
    const home = path.join(tmp, 'home');
    const stub = new StubServerControl('http://127.0.0.1:9');
    const first = new FactoryHost({ home, version: 'test', server: stub });
    for (const bytes of [1e9, 2e9, 3e9]) stub.sample(bytes);
    expect(first.memoryHistory().map((s) => s.server?.bytes)).toEqual([1e9, 2e9, 3e9]);
    await first.shutdown();
    const second = new FactoryHost({ home, version: 'test', server: new StubServerControl('http://127.0.0.1:9') });
    expect(second.memoryHistory()).toEqual(first.memoryHistory());
    await second.shutdown();
  });

  it('stays bounded (a ring: at most twice the history kept), keeping the newest samples', () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-memory-'));
    const file = path.join(tmp, 'logs', 'memory.jsonl');
    const ring = new MemoryHistoryFile(file, 10);
    const kept: MemorySample[] = [];
    for (let n = 0; n < 95; n++) {
      kept.push(sample(n));
      if (kept.length > 10) kept.shift();
      ring.append(sample(n), kept);
      expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBeLessThanOrEqual(20);
    }
    expect(new MemoryHistoryFile(file, 10).load()).toEqual(kept);
  });

  it('skips a line cut by a crash, and reads nothing through a link or from a FIFO', () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-memory-'));
    const file = path.join(tmp, 'memory.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(sample(1))}\n{"time":"2026-01-01T00:00:02.000Z","serv\n${JSON.stringify(sample(3))}\n`);
    expect(new MemoryHistoryFile(file, 10).load()).toEqual([sample(1), sample(3)]);
    const link = path.join(tmp, 'link.jsonl');
    fs.symlinkSync(file, link);
    expect(new MemoryHistoryFile(link, 10).load()).toEqual([]);
    const fifo = path.join(tmp, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    expect(new MemoryHistoryFile(fifo, 10).load()).toEqual([]); // (an open() would block here)
  });
});
