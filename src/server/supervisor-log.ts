import type { ServerLogEvent } from '../api/server-events.js';
import { isRequestLine, LogFileTailer, LogTail, ServerLogFile, SUPERVISOR_MARK } from './server-log.js';

export interface SupervisorLogOptions {
  readonly file: string;
  readonly maxBytes?: number | undefined;
  readonly keep?: number | undefined;
  /** Every line, ours and the server's, as a `server.log` event. */
  readonly emit: (event: ServerLogEvent) => void;
  /** A request line in the server's log: activity for the idle unload. */
  readonly onRequest: () => void;
}

/**
 * The supervisor's log job: the rotating log file the server writes into, our own lines in it
 * (marked, so following the file does not report them twice), the tail kept for error messages,
 * and the follower that turns each server line into a `server.log` event.
 */
export class SupervisorLog {
  readonly file: ServerLogFile;
  private readonly tail = new LogTail(200);
  private tailer: LogFileTailer | null = null;

  constructor(private readonly options: SupervisorLogOptions) {
    this.file = new ServerLogFile(options.file, options.maxBytes, options.keep);
  }

  get path(): string {
    return this.options.file;
  }

  /** The last lines the server printed (and ours, prefixed [supervisor]). */
  last(count: number): string[] {
    return this.tail.last(count);
  }

  /** A supervisor line: into the log file (marked) and the tail, and, unless it is a state change, a `server.log` event. */
  note(line: string, emit = true): void {
    this.file.rotateIfNeeded();
    this.file.append(`${new Date().toISOString()}${SUPERVISOR_MARK}${line}`);
    if (emit) this.record('supervisor', line);
    else this.tail.add(`[supervisor] ${line}`);
  }

  /**
   * Follows the log file from `fromOffset`: each server line becomes a `server.log` event, counts
   * as activity when it is a request, and goes to `extra` (readiness watches it for fatal lines).
   */
  follow(extra: ((line: string) => void) | null, fromOffset = this.file.size()): void {
    this.tailer?.stop();
    let lines = 0;
    this.tailer = new LogFileTailer(this.options.file, fromOffset, (line) => {
      if (line.includes(SUPERVISOR_MARK)) return; // ours, already reported
      this.record('server', line);
      if (isRequestLine(line)) this.options.onRequest();
      extra?.(line);
      if (++lines % 200 === 0) this.file.rotateIfNeeded();
    });
    this.tailer.start();
  }

  /** Reads what the server wrote so far now (its last words, before anyone looks at the tail). */
  readNow(): void {
    this.tailer?.readNow();
  }

  unfollow(): void {
    this.tailer?.stop();
    this.tailer = null;
  }

  private record(stream: ServerLogEvent['stream'], line: string): void {
    this.tail.add(stream === 'supervisor' ? `[supervisor] ${line}` : line);
    this.options.emit({ type: 'server.log', stream, line, time: new Date().toISOString() });
  }
}
