import fs from 'node:fs';
import path from 'node:path';
import { sessionEventSchema, type SessionEvent, type SessionEventPayload } from '../api/events.js';
import type { FactoryError } from '../errors/factory-error.js';
import { diskFullError, LogSpaceReserve, logWriteError } from './log-space-reserve.js';

/**
 * A session's append-only JSONL event log: the source of truth for the session (transcripts,
 * commits, verdicts). Each event is written with one write() as soon as it happens, and fsync'd at
 * step boundaries so a crash loses at most the tokens of the turn in progress.
 */
const DURABLE_EVENTS: ReadonlySet<SessionEvent['type']> = new Set([
  'session.created',
  'turn.finished',
  'commit',
  'exec.finished',
  'verdict',
  'session.finished',
  'setup.finished',
  'rollback',
  'merge',
  'discard',
  'session.interrupted',
  'session.resumed',
  'security.event',
]);

/** What a log that could not be written still tries to record, in the space the reserve frees. */
const LAST_WORDS: ReadonlySet<SessionEvent['type']> = new Set(['session.finished', 'session.interrupted']);

export type SessionEventListener = (event: SessionEvent) => void;

export class SessionLog {
  private fd: number;
  private nextSeq: number;
  /** Set by the first failed write (a full disk): later events are refused, except the last words. */
  private failure: FactoryError | undefined;
  private readonly reserve: LogSpaceReserve;
  private readonly listeners = new Set<SessionEventListener>();

  private constructor(
    readonly sessionId: string,
    readonly file: string,
    fd: number,
    nextSeq: number,
  ) {
    this.fd = fd;
    this.nextSeq = nextSeq;
    this.reserve = new LogSpaceReserve(`${file}.reserve`);
  }

  /** Opens (or creates) the log, continuing the sequence after the last complete event. */
  static open(sessionId: string, file: string): SessionLog {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const existing = readSessionLog(file);
    const last = existing.events.at(-1);
    if (existing.partialTail) fs.truncateSync(file, existing.validBytes);
    const fd = fs.openSync(file, 'a');
    if (existing.missingNewline === true) fs.writeSync(fd, '\n');
    return new SessionLog(sessionId, file, fd, last === undefined ? 1 : last.seq + 1);
  }

  /**
   * Writes one event. When the write fails (a full disk), the log cuts back any half-written line,
   * frees its reserve and throws a FactoryError (DISK_FULL / LOG_WRITE_FAILED) saying so; from then
   * on it refuses every event except `session.finished` / `session.interrupted`, which it still
   * tries to write, so the session ends in a clear state instead of looking like it still runs.
   */
  append(payload: SessionEventPayload): SessionEvent {
    if (this.failure !== undefined && !LAST_WORDS.has(payload.type)) throw this.failure;
    this.reserve.ensure();
    const event = { ...payload, session: this.sessionId, seq: this.nextSeq, time: new Date().toISOString() } as SessionEvent;
    try {
      this.writeLine(`${JSON.stringify(event)}\n`);
      this.nextSeq += 1;
      if (DURABLE_EVENTS.has(event.type)) fs.fsyncSync(this.fd);
    } catch (error) {
      this.failure ??= logWriteError(this.sessionId, this.file, error);
      this.reserve.release();
      throw this.failure;
    }
    for (const listener of this.listeners) listener(event);
    // A check can fill the disk while the log still writes into its last, partly used block; at a
    // step boundary the free space decides, so the session stops the same way on every file system.
    if (this.failure === undefined && DURABLE_EVENTS.has(event.type) && !LAST_WORDS.has(event.type)) {
      const full = diskFullError(this.file);
      if (full !== null) {
        this.failure = logWriteError(this.sessionId, this.file, full);
        this.reserve.release();
        throw this.failure;
      }
    }
    return event;
  }

  /** The whole line or nothing: a short write is completed, or cut back if the rest cannot be written. */
  private writeLine(line: string): void {
    const bytes = Buffer.from(line);
    let written = 0;
    try {
      while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written);
    } catch (error) {
      // The file ends with the `written` bytes of this line (appends go to the end).
      if (written > 0) fs.ftruncateSync(this.fd, fs.fstatSync(this.fd).size - written);
      throw error;
    }
  }

  subscribe(listener: SessionEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.fd === -1) return;
    fs.closeSync(this.fd);
    this.fd = -1;
    this.reserve.release();
  }
}

export interface ReadLogResult {
  readonly events: SessionEvent[];
  /** The last line was cut off mid-write (the process died); it is ignored. */
  readonly partialTail: boolean;
  readonly validBytes: number;
  /** The last event is complete but its newline was never written. */
  readonly missingNewline?: boolean;
}

/** Reads a log back, tolerating a half-written last line; a corrupt line elsewhere is an error. */
export function readSessionLog(file: string): ReadLogResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], partialTail: false, validBytes: 0 };
    throw error;
  }
  const events: SessionEvent[] = [];
  let offset = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const isLast = i === lines.length - 1;
    if (line === '') {
      offset += isLast ? 0 : 1;
      continue;
    }
    const parsed = parseLine(line);
    if (parsed === undefined) {
      if (isLast) return { events, partialTail: true, validBytes: offset };
      throw new Error(`${file}: line ${i + 1} is not a valid session event`);
    }
    events.push(parsed);
    if (isLast) return { events, partialTail: false, validBytes: offset + Buffer.byteLength(line), missingNewline: true };
    offset += Buffer.byteLength(line) + 1;
  }
  return { events, partialTail: false, validBytes: offset };
}

function parseLine(line: string): SessionEvent | undefined {
  try {
    const result = sessionEventSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** What was appended to a log since `offset`: whole lines only (a line still being written waits). */
export interface AppendedEvents {
  readonly events: SessionEvent[];
  /** Where the next read starts (after the last whole line). */
  readonly offset: number;
  /** A cut-off line sits at the end (a writer still at it, or one that died mid-write). */
  readonly partialTail: boolean;
  /** The file is not the one read before (replaced, or shorter): start again from 0. */
  readonly restarted: boolean;
  readonly identity: string;
}

export function readAppendedEvents(file: string, offset: number, identity: string | null): AppendedEvents {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    const now = `${stat.dev}:${stat.ino}`;
    const restarted = identity !== null && (identity !== now || stat.size < offset);
    const from = restarted || identity === null ? 0 : offset;
    const buffer = Buffer.alloc(Math.max(0, stat.size - from));
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    const lastNewline = buffer.subarray(0, read).lastIndexOf(0x0a);
    const whole = lastNewline === -1 ? '' : buffer.subarray(0, lastNewline).toString('utf8');
    const events: SessionEvent[] = [];
    for (const [i, line] of whole.split('\n').entries()) {
      if (line === '') continue;
      const parsed = parseLine(line);
      if (parsed === undefined) throw new Error(`${file}: line ${i + 1} after byte ${from} is not a valid session event`);
      events.push(parsed);
    }
    const consumed = lastNewline === -1 ? 0 : lastNewline + 1;
    return { events, offset: from + consumed, partialTail: consumed < read, restarted, identity: now };
  } finally {
    fs.closeSync(fd);
  }
}
