import fs from 'node:fs';
import { project, SessionLogConflict, withLiveness, type Session } from '../api/session-projection.js';
import { sessionRow, type SessionRow } from '../api/session-row.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { isProcessAlive } from '../sandbox/process-tree.js';
import { readAppendedEvents, SessionLog } from './session-log.js';
import { readListCache, sessionFiles, writeListCache, type ListCache } from './session-meta.js';

/**
 * Sessions rebuilt from their logs, the source of truth, through the one projection
 * (src/api/session-projection.ts). A process keeps, per log, the byte offset it has read to and the
 * list row, and folds only what was appended since. meta.json caches the row on disk (written here and
 * nowhere else), so a new process — `sessions list` — lists the settled sessions without reading their
 * logs. Whole projections are kept for running sessions and the few settled ones read most recently:
 * a process that sees thousands of sessions (the UI host) holds a row for each, not its history.
 */
export interface SessionRecord extends Session {
  readonly logFile: string;
  /** The log ended in a half-written line (the process died mid-write); it was ignored. */
  readonly partialTail: boolean;
}

export type IsAlive = (pid: number) => boolean;

interface CachedLog {
  offset: number;
  identity: string | null;
  partialTail: boolean;
  /** The whole projection (null once evicted: `row` is what a listing needs). */
  session: Session | null;
  row: SessionRow | null;
  /** meta.json holds this row. */
  checkpointed: boolean;
}
const logs = new Map<string, CachedLog>();
/** Settled sessions whose whole projection is kept, least recently read first. */
const recent = new Set<string>();
const RECENT_WHOLE = 32;

function assertId(paths: AppPaths, id: string): void {
  if (!/^[\w.-]+$/.test(id))
    throw new FactoryError('SESSION_NOT_FOUND', `"${id}" is not a session id. \`mlx-factory sessions list\` shows them.`);
  if (!fs.existsSync(sessionFiles(paths.sessions, id).log))
    throw new FactoryError('SESSION_NOT_FOUND', `No session ${id} in ${paths.sessions}. \`mlx-factory sessions list\` shows them.`);
}

/** Brings the cached state of one log up to date (reading only the appended bytes when it can). */
function refresh(paths: AppPaths, id: string, wantWhole: boolean): CachedLog {
  const files = sessionFiles(paths.sessions, id);
  let cached = logs.get(files.log);
  if (cached === undefined) {
    cached = fromListCache(readListCache(files.meta)) ?? blank();
    logs.set(files.log, cached);
  }
  const size = fs.statSync(files.log, { throwIfNoEntry: false })?.size;
  if (size === undefined) throw new FactoryError('SESSION_NOT_FOUND', `No session ${id} in ${paths.sessions}.`);
  const stale = size !== cached.offset || cached.identity === null;
  if (!stale && (!wantWhole || cached.session !== null)) return cached;
  // A row alone cannot be continued: the projection is folded from the log's start.
  if (cached.session === null && cached.offset > 0) {
    cached = blank();
    logs.set(files.log, cached);
  }
  let appended = readAppendedEvents(files.log, cached.offset, cached.identity);
  if (appended.restarted) {
    cached = blank();
    logs.set(files.log, cached);
    appended = readAppendedEvents(files.log, 0, null);
  }
  let session = cached.session;
  try {
    for (const event of appended.events) session = project(session, event);
  } catch (error) {
    if (error instanceof SessionLogConflict) throw new FactoryError('SESSION_LOG_CONFLICT', `${files.log}: ${error.message}`);
    throw error;
  }
  if (session === null) throw new FactoryError('SESSION_NOT_FOUND', `Session ${id} has an empty log (${files.log}); it never started.`);
  if (appended.offset !== cached.offset) cached.checkpointed = false;
  cached.offset = appended.offset;
  cached.identity = appended.identity;
  cached.partialTail = appended.partialTail;
  cached.session = session;
  cached.row = sessionRow(session);
  if (!cached.checkpointed && session.state !== 'running') {
    writeListCache(files.meta, { version: 4, offset: cached.offset, identity: appended.identity, row: cached.row });
    cached.checkpointed = true;
  }
  keepWhole(files.log, cached);
  return cached;
}

/** Running sessions keep their projection; settled ones only while they are among the recently read. */
function keepWhole(log: string, cached: CachedLog): void {
  recent.delete(log);
  if (cached.session === null || cached.session.state === 'running') return;
  recent.add(log);
  if (recent.size <= RECENT_WHOLE) return;
  const oldest = recent.values().next().value as string;
  recent.delete(oldest);
  const evicted = logs.get(oldest);
  if (evicted !== undefined && evicted.session?.state !== 'running') evicted.session = null;
}

function blank(): CachedLog {
  return { offset: 0, identity: null, partialTail: false, session: null, row: null, checkpointed: false };
}

function fromListCache(cache: ListCache | undefined): CachedLog | null {
  if (cache === undefined) return null;
  return { offset: cache.offset, identity: cache.identity, partialTail: false, session: null, row: cache.row, checkpointed: true };
}

/** The pid that runs a session: the log's (from session.created / resumed / series.started), else an old meta.json's. */
function runningPid(paths: AppPaths, session: Session): number | null {
  if (session.state !== 'running') return null;
  return session.pid ?? readListCache(sessionFiles(paths.sessions, session.id).meta, { legacyPidOnly: true })?.legacyPid ?? null;
}

/** One session as it is now (a log that says "running" with its process gone reads as interrupted). */
export function loadSession(paths: AppPaths, id: string, isAlive: IsAlive = isProcessAlive): SessionRecord {
  assertId(paths, id);
  const cached = refresh(paths, id, true);
  const session = cached.session as Session;
  return {
    ...withLiveness(session, isAlive, runningPid(paths, session)),
    logFile: sessionFiles(paths.sessions, id).log,
    partialTail: cached.partialTail,
  };
}

/** Brings meta.json up to the log's end (a run that just ended leaves its row for the next `sessions list`). */
export function checkpointSession(paths: AppPaths, id: string): void {
  try {
    loadSession(paths, id);
  } catch {
    // A cache: the next reader folds the log instead.
  }
}

/** One list row, as it is now. */
export function loadSessionRow(paths: AppPaths, id: string, isAlive: IsAlive = isProcessAlive): SessionRow {
  const cached = refresh(paths, id, false);
  const row = cached.row as SessionRow;
  // A run script or a loop the log says runs: is its process still there?
  if (row.state !== 'running' && row.run?.state !== 'running') return row;
  const session = cached.session ?? (refresh(paths, id, true).session as Session);
  return sessionRow(withLiveness(session, isAlive, runningPid(paths, session)));
}

export interface SessionListing {
  /** Newest first. */
  readonly sessions: SessionRow[];
  /** Session folders that could not be read, with why. */
  readonly problems: Array<{ id: string; message: string }>;
}

export function loadAllSessions(paths: AppPaths, isAlive: IsAlive = isProcessAlive): SessionListing {
  const sessions: SessionRow[] = [];
  const problems: Array<{ id: string; message: string }> = [];
  let ids: string[] = [];
  try {
    ids = fs
      .readdirSync(paths.sessions, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return { sessions, problems };
  }
  for (const id of ids) {
    try {
      sessions.push(loadSessionRow(paths, id, isAlive));
    } catch (error) {
      problems.push({ id, message: (error as Error).message });
    }
  }
  sessions.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return { sessions, problems };
}

/**
 * Makes the logs say what the listing found: a session whose log says it runs while its process is
 * gone gets a `session.interrupted` event (once). Returns the listing and the sessions newly marked.
 */
export function reconcileSessions(paths: AppPaths, isAlive: IsAlive = isProcessAlive): SessionListing & { interrupted: string[] } {
  const listing = loadAllSessions(paths, isAlive);
  const interrupted: string[] = [];
  const sessions = listing.sessions.map((row) => {
    if (row.state !== 'interrupted') return row;
    const record = loadSession(paths, row.id, () => true);
    // The log still says "running" (the liveness check above found its process gone): record it once.
    if (record.state !== 'running') return row;
    appendEvent(paths, row.id, {
      type: 'session.interrupted',
      reason: row.reason,
      pid: runningPid(paths, record),
      lastAttempt: record.attempts,
      lastStep: record.steps.reduce((max, s) => Math.max(max, s.step), 0),
    });
    interrupted.push(row.id);
    return loadSessionRow(paths, row.id, isAlive);
  });
  return { sessions, problems: listing.problems, interrupted };
}

/** Appends one event to a session's log (the writer for everything after the run: merge, rollback …). */
export function appendEvent(paths: AppPaths, id: string, payload: Parameters<SessionLog['append']>[0]): ReturnType<SessionLog['append']> {
  const log = SessionLog.open(id, sessionFiles(paths.sessions, id).log);
  try {
    return log.append(payload);
  } finally {
    log.close();
  }
}
