import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

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
 * The server's log file. The server process writes its stdout and stderr straight into it (not
 * through pipes to us): a server whose pipes led to an app that was killed gets EPIPE on its next
 * log line and fails the request it was logging, so an orphan could never be adopted. Our own lines
 * go into the same file, marked [supervisor].
 *
 * Rotation is copy-then-truncate: the server keeps its O_APPEND descriptor, so after the truncate
 * its writes land at the start of the fresh file (file → file.1 → file.2 …, `keep` old files).
 */
export class ServerLogFile {
  constructor(
    readonly file: string,
    private readonly maxBytes = 5 * 1024 * 1024,
    private readonly keep = 3,
  ) {}

  /** A descriptor to give the server as stdout and stderr (close it after spawning). */
  openForChild(): number {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    return fs.openSync(this.file, 'a');
  }

  /** The current size: where a tailer starts to see only what comes next. */
  size(): number {
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  append(line: string): void {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.appendFileSync(this.file, `${line}\n`);
    } catch {
      // A full disk or a removed folder must not take the supervisor down; events still carry the line.
    }
  }

  /** Rotates when the file has outgrown the limit; returns true if it did. */
  rotateIfNeeded(): boolean {
    if (this.size() <= this.maxBytes) return false;
    try {
      for (let i = this.keep - 1; i >= 1; i--) {
        const from = `${this.file}.${i}`;
        if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`);
      }
      if (this.keep >= 1) fs.copyFileSync(this.file, `${this.file}.1`);
      fs.truncateSync(this.file, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Follows a growing file from an offset and reports complete lines: woken by fs.watch (inotify on
 * Linux, kqueue on macOS) and, in case a change notice is missed, by a poll. A file that shrank
 * was rotated: reading starts again from its beginning.
 */
export class LogFileTailer {
  private offset: number;
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private again = false;
  private readonly decoder = new StringDecoder('utf8');
  private readonly splitter: LineSplitter;

  constructor(
    private readonly file: string,
    fromOffset: number,
    onLine: (line: string) => void,
    private readonly pollMs = 250,
  ) {
    this.offset = fromOffset;
    this.splitter = new LineSplitter(onLine);
  }

  start(): void {
    try {
      this.watcher = fs.watch(this.file, () => this.read());
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = null; // not watchable here: the poll alone will do
    }
    this.timer = setInterval(() => this.read(), this.pollMs);
    this.timer.unref();
    this.read();
  }

  /** Reads what is left (synchronously, so a caller sees the last lines) and stops following. */
  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.readNow();
    this.splitter.flush();
  }

  /** Reads new bytes at once (e.g. after the process exited, to catch its last words). */
  readNow(): void {
    let fd: number | null = null;
    try {
      const size = fs.statSync(this.file).size;
      if (size < this.offset) this.offset = 0; // rotated (truncated)
      if (size === this.offset) return;
      fd = fs.openSync(this.file, 'r');
      const buffer = Buffer.alloc(Math.min(size - this.offset, 4 * 1024 * 1024));
      const read = fs.readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += read;
      this.splitter.push(this.decoder.write(buffer.subarray(0, read)));
    } catch {
      // the file is gone (removed with its folder): nothing to read
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }

  private read(): void {
    // fs.watch may fire many times per write; one read at a time, and one more if asked meanwhile.
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        this.readNow();
      } while (this.again);
    } finally {
      this.reading = false;
    }
  }
}

/** Our lines in the shared log file carry this marker, so the tailer does not report them twice. */
export const SUPERVISOR_MARK = ' [supervisor] ';
