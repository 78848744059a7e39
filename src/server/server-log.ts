import fs from 'node:fs';
import path from 'node:path';

/**
 * The server's output: split into lines, kept as a short tail for error messages, written to a
 * rotating file, and scanned for the two lines after which mlx_lm.server hangs instead of exiting
 * (MLX-SERVER-NOTES.md §1): a failed model load and a port already in use.
 */

/** Splits a byte stream's text into lines on \n, \r\n or a bare \r (progress bars redraw with \r). */
export class LineSplitter {
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    /** A "line" longer than this is emitted in pieces, so a stream without newlines cannot grow memory. */
    private readonly maxLineChars = 16_384,
  ) {}

  push(text: string): void {
    const parts = (this.partial + text).split(/\r\n|\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.onLine(line);
    while (this.partial.length > this.maxLineChars) {
      this.onLine(this.partial.slice(0, this.maxLineChars));
      this.partial = this.partial.slice(this.maxLineChars);
    }
  }

  flush(): void {
    if (this.partial !== '') this.onLine(this.partial);
    this.partial = '';
  }
}

/** The last N lines, for "here is what the server said before it died". */
export class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly capacity = 200) {}

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  last(count: number): string[] {
    return this.lines.slice(-count);
  }

  clear(): void {
    this.lines.length = 0;
  }
}

export type FatalLine = 'load-failed' | 'port-in-use';

/**
 * mlx_lm.server keeps running after both: the generation thread died (completions would hang), or
 * the bind failed (the non-daemon generation thread keeps the process alive). Either way the
 * supervisor must kill it rather than wait.
 */
export function detectFatalLine(line: string): FatalLine | null {
  if (/Exception in thread/.test(line)) return 'load-failed';
  if (/Address already in use|\[Errno (?:48|98)\]/.test(line)) return 'port-in-use';
  return null;
}

/** An access-log line of a chat or completion request: the server is in use (for idle unload). */
export function isRequestLine(line: string): boolean {
  return /"POST \/(?:v1\/)?(?:chat\/)?completions/.test(line);
}

/**
 * Appends lines to `file`; past `maxBytes` it becomes file.1 (file.1 → file.2 …, keeping `keep`
 * old files). Synchronous writes: a crash of the app loses nothing already reported, and the
 * volume (start-up messages and one access line per request) is small.
 */
export class RotatingLogFile {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly file: string,
    private readonly maxBytes = 5 * 1024 * 1024,
    private readonly keep = 3,
  ) {}

  write(line: string): void {
    const data = `${line}\n`;
    try {
      if (this.fd === null) this.open();
      if (this.size > 0 && this.size + Buffer.byteLength(data) > this.maxBytes) this.rotate();
      if (this.fd === null) return;
      this.size += fs.writeSync(this.fd, data);
    } catch {
      // A full disk or a removed folder must not take the server down with it; the tail in memory
      // and the events still carry the output.
      this.closeQuietly();
    }
  }

  close(): void {
    this.closeQuietly();
  }

  private open(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.fd = fs.openSync(this.file, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.closeQuietly();
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = `${this.file}.${i}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`);
    }
    if (this.keep >= 1) fs.renameSync(this.file, `${this.file}.1`);
    else fs.rmSync(this.file, { force: true });
    this.open();
  }

  private closeQuietly(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.fd = null;
  }
}
