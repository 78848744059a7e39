import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectFatalLine, isRequestLine, LineSplitter, LogTail, RotatingLogFile } from '../../src/server/server-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function collect(): { lines: string[]; splitter: LineSplitter } {
  const lines: string[] = [];
  return { lines, splitter: new LineSplitter((l) => lines.push(l), 10) };
}

describe('LineSplitter', () => {
  it('splits on \\n, \\r\\n and bare \\r (progress redraws), keeping a partial line until flushed', () => {
    const { lines, splitter } = collect();
    splitter.push('one\ntw');
    splitter.push('o\r\nthr');
    splitter.push('ee 10%\rthree 20%\r');
    expect(lines).toEqual(['one', 'two', 'three 10%', 'three 20%']);
    splitter.push('tail');
    splitter.flush();
    expect(lines.at(-1)).toBe('tail');
  });

  it('cuts a line without newlines into pieces instead of growing without bound', () => {
    const { lines, splitter } = collect();
    splitter.push('x'.repeat(25));
    expect(lines).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
    splitter.flush();
    expect(lines.at(-1)).toBe('x'.repeat(5));
  });
});

describe('fatal and request lines of mlx_lm.server', () => {
  it('recognises a failed model load and a port already in use', () => {
    expect(detectFatalLine('Exception in thread Thread-1 (_generate):')).toBe('load-failed');
    expect(detectFatalLine('OSError: [Errno 98] Address already in use')).toBe('port-in-use');
    expect(detectFatalLine('OSError: [Errno 48] Address already in use')).toBe('port-in-use');
    expect(detectFatalLine('2026-11-23 16:04:41,123 - INFO - Starting httpd at 127.0.0.1 on port 8080...')).toBeNull();
  });

  it('recognises completion requests in the access log (activity for idle unload)', () => {
    expect(isRequestLine('127.0.0.1 - - [23/Nov/2026 16:04:41] "POST /v1/chat/completions HTTP/1.1" 200 -')).toBe(true);
    expect(isRequestLine('127.0.0.1 - - [23/Nov/2026 16:04:41] "POST /chat/completions HTTP/1.1" 200 -')).toBe(true);
    expect(isRequestLine('127.0.0.1 - - [23/Nov/2026 16:04:41] "POST /v1/completions HTTP/1.1" 200 -')).toBe(true);
    expect(isRequestLine('127.0.0.1 - - [23/Nov/2026 16:04:41] "GET /v1/models HTTP/1.1" 200 -')).toBe(false);
  });
});

describe('LogTail', () => {
  it('keeps the last lines', () => {
    const tail = new LogTail(3);
    for (const l of ['a', 'b', 'c', 'd']) tail.add(l);
    expect(tail.last(10)).toEqual(['b', 'c', 'd']);
    expect(tail.last(2)).toEqual(['c', 'd']);
  });
});

describe('RotatingLogFile', () => {
  it('rotates past the size limit and keeps a fixed number of old files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'server-log-'));
    dirs.push(dir);
    const file = path.join(dir, 'logs', 'mlx-server.log');
    const log = new RotatingLogFile(file, 100, 2);
    for (let i = 0; i < 30; i++) log.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(20)}`);
    log.close();
    const names = fs.readdirSync(path.dirname(file)).sort();
    expect(names).toEqual(['mlx-server.log', 'mlx-server.log.1', 'mlx-server.log.2']);
    for (const name of names) expect(fs.statSync(path.join(dir, 'logs', name)).size).toBeLessThanOrEqual(100);
    // The newest line is in the current file, in order, whole.
    const current = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(current.at(-1)).toMatch(/^line 29 x+$/);
    const previous = fs.readFileSync(`${file}.1`, 'utf8').trimEnd().split('\n');
    expect(Number(previous.at(-1)?.slice(5, 7))).toBe(Number(current[0]?.slice(5, 7)) - 1);
  });

  it('appends to an existing log across restarts of the app', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'server-log-'));
    dirs.push(dir);
    const file = path.join(dir, 'a.log');
    const first = new RotatingLogFile(file);
    first.write('first');
    first.close();
    const second = new RotatingLogFile(file);
    second.write('second');
    second.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('first\nsecond\n');
  });
});
