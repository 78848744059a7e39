import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectFatalLine, isRequestLine, LineSplitter, LogFileTailer, LogTail, ServerLogFile } from '../../src/server/server-log.js';
import { waitFor } from '../support/wait-for.js';

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

describe('ServerLogFile and LogFileTailer', () => {
  function tmp(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'server-log-'));
    dirs.push(dir);
    return dir;
  }

  it('rotates by copy-and-truncate, so a writer holding an O_APPEND descriptor keeps writing to the live file', () => {
    const file = path.join(tmp(), 'logs', 'mlx-server.log');
    const log = new ServerLogFile(file, 100, 2);
    const child = log.openForChild(); // what the server process gets as stdout/stderr
    try {
      for (let round = 0; round < 3; round++) {
        fs.writeSync(child, `round ${round} ${'x'.repeat(150)}\n`);
        expect(log.rotateIfNeeded()).toBe(true);
        expect(log.size()).toBe(0);
      }
      fs.writeSync(child, 'after rotation\n');
    } finally {
      fs.closeSync(child);
    }
    expect(log.rotateIfNeeded()).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('after rotation\n'); // not at offset 450 after a hole
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toMatch(/^round 2 /);
    expect(fs.readFileSync(`${file}.2`, 'utf8')).toMatch(/^round 1 /);
    expect(fs.existsSync(`${file}.3`)).toBe(false);
  });

  it('follows a file from an offset, line by line, across a rotation', async () => {
    const file = path.join(tmp(), 'server.log');
    const log = new ServerLogFile(file, 100, 1);
    log.append('before the tailer');
    const lines: string[] = [];
    const tailer = new LogFileTailer(file, log.size(), (l) => lines.push(l), 20);
    tailer.start();
    const fd = log.openForChild();
    fs.writeSync(fd, 'Starting httpd at 127.0.0.1 on port 8080...\npartial');
    await waitFor('1 line followed', () => lines.length === 1);
    fs.writeSync(fd, ' line\n');
    await waitFor('2 lines followed', () => lines.length === 2);
    expect(log.rotateIfNeeded()).toBe(false);
    fs.writeSync(fd, `${'y'.repeat(70)}\n`);
    await waitFor('3 lines followed', () => lines.length === 3);
    expect(log.rotateIfNeeded()).toBe(true);
    fs.writeSync(fd, 'after\n');
    fs.closeSync(fd);
    await waitFor('4 lines followed', () => lines.length === 4);
    tailer.stop();
    expect(lines).toEqual(['Starting httpd at 127.0.0.1 on port 8080...', 'partial line', 'y'.repeat(70), 'after']);
  });
});
