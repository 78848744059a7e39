import fs from 'node:fs';
import type { EventOf, SessionEvent } from '../api/events.js';
import type { SessionState, TokenTotals } from '../api/session-status.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { isProcessAlive } from '../sandbox/process-tree.js';
import { countTokens, emptyTokenCount, tokenTotals, type TokenCount } from '../api/token-count.js';
import { readAppendedEvents, readSessionLog, SessionLog } from './session-log.js';
import { readSessionMeta, sessionFiles, writeSessionMeta, type SessionMeta } from './session-meta.js';

/**
 * Sessions rebuilt from their logs, which are the source of truth: meta.json is only a cache (and the
 * one place that records which process runs a session). The app and the CLI call this on start; a
 * session whose log says it is running while its process is gone is reported as `interrupted`.
 */
export interface StepRecord {
  readonly step: number;
  readonly attempt: number;
  readonly sha: string;
  readonly files: readonly string[];
  readonly time: string;
}

export type MergeRecord = Omit<EventOf<'merge'>, 'type' | 'session' | 'seq'>;
export type RollbackRecord = Omit<EventOf<'rollback'>, 'type' | 'session' | 'seq'>;
export type DiscardRecord = Omit<EventOf<'discard'>, 'type' | 'session' | 'seq'>;

export interface SessionRecord {
  readonly id: string;
  readonly task: EventOf<'session.created'>['task'];
  readonly limits: EventOf<'session.created'>['limits'];
  readonly repo: string;
  readonly worktree: string;
  /** The worktree's admin dir as recorded at creation (null in logs from before it was recorded). */
  readonly gitDir: string | null;
  readonly branch: string;
  readonly baseCommit: string;
  readonly baseBranch: string | null;
  readonly uncommittedNotIncluded: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly state: SessionState;
  readonly reason: string;
  /** The last attempt started. */
  readonly attempts: number;
  readonly tokens: TokenTotals;
  /** Where the session branch is, as far as the log knows. */
  readonly headCommit: string;
  /** Every step (commit) the session made, including ones a rollback dropped. */
  readonly steps: readonly StepRecord[];
  /** The steps on the branch now, oldest first. */
  readonly currentSteps: readonly number[];
  readonly merges: readonly MergeRecord[];
  readonly rollbacks: readonly RollbackRecord[];
  readonly discard: DiscardRecord | null;
  readonly warnings: readonly string[];
  /** The latest attempt series (1 = the first run; each reply starts the next). `attempts` and `tokens` count this series. */
  readonly series: number;
  /** Set after a rollback until a check runs again: the branch is at this step, which no check has passed as it is now. */
  readonly rolledBackTo: number | null;
  /** The process running the session (null when none is). */
  readonly pid: number | null;
  readonly logFile: string;
  /** The log ended in a half-written line (the process died mid-write); it was ignored. */
  readonly partialTail: boolean;
  readonly lastSeq: number;
}

export type IsAlive = (pid: number) => boolean;

/**
 * The one fold of a session's log: state + event → state, applied in order. The store keeps a fold per
 * log with the byte offset it has read to, so listing sessions reads only what was appended since.
 */
export interface SessionFold {
  readonly created: EventOf<'session.created'>;
  state: SessionState;
  reason: string;
  attempts: number;
  finishedTokens: TokenTotals | null;
  /** Tokens counted as the loop's budget counts them (loop-state.ts). */
  spent: TokenCount;
  head: string;
  line: number[];
  repo: string;
  readonly lineAt: Map<number, number[]>;
  readonly steps: StepRecord[];
  readonly merges: MergeRecord[];
  readonly rollbacks: RollbackRecord[];
  readonly warnings: string[];
  discard: DiscardRecord | null;
  series: number;
  rolledBackTo: number | null;
  /** The latest recorded base (the creation's, or the last update from the base branch). */
  baseCommit: string;
  /** Commits a check passed on as they are (the branch head at a passing verdict). */
  readonly passedHeads: Set<string>;
  /** The check as it really ran: with the "entry file the Coder writes" rule, the command of the last run. */
  check: string;
  lastTime: string;
  lastSeq: number;
}

export function startFold(created: EventOf<'session.created'>): SessionFold {
  return {
    created,
    state: 'running',
    reason: '',
    attempts: 0,
    finishedTokens: null,
    spent: emptyTokenCount(),
    head: created.baseCommit,
    line: [],
    repo: created.repo,
    lineAt: new Map(),
    steps: [],
    merges: [],
    rollbacks: [],
    warnings: [],
    discard: null,
    series: 1,
    rolledBackTo: null,
    baseCommit: created.baseCommit,
    passedHeads: new Set(),
    check: created.task.check,
    lastTime: created.time,
    lastSeq: created.seq,
  };
}

export function foldEvent(fold: SessionFold, e: SessionEvent): SessionFold {
  fold.lastTime = e.time;
  fold.lastSeq = e.seq;
  countTokens(fold.spent, e);
  switch (e.type) {
    case 'exec.started':
      if (fold.created.plan?.check.kind === 'entry-file') fold.check = e.command;
      break;
    case 'attempt.started':
      fold.attempts = Math.max(fold.attempts, e.attempt);
      break;
    case 'commit':
      fold.steps.push({ step: e.step, attempt: e.attempt, sha: e.sha, files: e.files, time: e.time });
      fold.line = [...fold.line, e.step];
      fold.lineAt.set(e.step, fold.line);
      fold.head = e.sha;
      break;
    case 'session.warning':
      fold.warnings.push(e.message);
      break;
    case 'session.finished':
      fold.state = e.status;
      fold.reason = e.reason;
      fold.attempts = e.attempts;
      fold.finishedTokens = e.tokens;
      fold.head = e.headCommit;
      break;
    case 'session.interrupted':
      fold.state = 'interrupted';
      fold.reason = e.reason;
      break;
    case 'session.resumed':
      fold.state = 'running';
      fold.reason = '';
      fold.finishedTokens = null;
      break;
    case 'series.started':
      fold.state = 'running';
      fold.reason = '';
      fold.series = e.series;
      fold.attempts = 0;
      fold.finishedTokens = null;
      // (countTokens above starts the budget's count afresh for the new series.)
      break;
    case 'base.updated':
      fold.baseCommit = e.toBase;
      fold.head = e.mergeCommit;
      break;
    case 'verdict':
      fold.rolledBackTo = null;
      if (e.passed) fold.passedHeads.add(fold.head);
      break;
    case 'rollback':
      // Back (or forward, a restore) to a commit a check passed on as it is: nothing unchecked to warn about.
      fold.rolledBackTo = fold.passedHeads.has(e.toCommit) ? null : e.toStep;
      fold.rollbacks.push(strip(e));
      fold.line = e.toStep === 0 ? [] : (fold.lineAt.get(e.toStep) ?? fold.line);
      fold.head = e.toCommit;
      break;
    case 'merge':
      fold.merges.push(strip(e));
      fold.state = 'merged';
      fold.reason = `Merged into ${e.target} (${e.targetAfter.slice(0, 8)}).`;
      break;
    case 'discard':
      fold.discard = strip(e);
      fold.state = 'discarded';
      fold.reason = e.archiveRef === null ? 'Discarded.' : `Discarded; its commits are kept under ${e.archiveRef}.`;
      break;
    case 'session.relocated':
      fold.repo = e.to;
      break;
    default:
      break;
  }
  return fold;
}

/** The record a fold stands for (with meta.json's pid, if any, to tell a live run from a dead one). */
export function recordOf(
  fold: SessionFold,
  meta: SessionMeta | undefined,
  logFile: string,
  partialTail: boolean,
  isAlive: IsAlive = isProcessAlive,
): SessionRecord {
  const { created } = fold;
  let state = fold.state;
  let reason = fold.reason;
  const pid = meta?.pid ?? null;
  const live = state === 'running' && pid !== null && isAlive(pid);
  if (state === 'running' && !live) {
    state = 'interrupted';
    reason = pid === null ? 'The process that ran this session is gone.' : `The process that ran this session (pid ${pid}) is gone.`;
  }
  return {
    id: created.session,
    task: { ...created.task, check: fold.check },
    limits: created.limits,
    repo: fold.repo,
    worktree: created.worktree,
    gitDir: created.gitDir ?? null,
    branch: created.branch,
    baseCommit: fold.baseCommit,
    baseBranch: created.baseBranch,
    uncommittedNotIncluded: created.uncommittedNotIncluded,
    createdAt: created.time,
    updatedAt: fold.lastTime,
    state,
    reason,
    attempts: fold.attempts,
    tokens: fold.finishedTokens ?? tokenTotals(fold.spent),
    headCommit: fold.head,
    steps: [...fold.steps],
    currentSteps: fold.line,
    merges: [...fold.merges],
    rollbacks: [...fold.rollbacks],
    discard: fold.discard,
    warnings: [...fold.warnings],
    series: fold.series,
    rolledBackTo: fold.rolledBackTo,
    pid: live ? pid : null,
    logFile,
    partialTail,
    lastSeq: fold.lastSeq,
  };
}

/** Pure: a session's record from its events (and meta.json's pid, if any). */
export function rebuildSession(
  events: readonly SessionEvent[],
  meta: SessionMeta | undefined,
  logFile: string,
  partialTail: boolean,
  isAlive: IsAlive = isProcessAlive,
): SessionRecord {
  const created = events.find((e): e is EventOf<'session.created'> => e.type === 'session.created');
  if (created === undefined) throw new Error(`${logFile}: no session.created event`);
  const fold = startFold(created);
  for (const e of events) if (e !== created) foldEvent(fold, e);
  return recordOf(fold, meta, logFile, partialTail, isAlive);
}

function strip<E extends { type: string; session: string; seq: number }>(event: E): Omit<E, 'type' | 'session' | 'seq'> {
  const { type: _type, session: _session, seq: _seq, ...rest } = event;
  return rest;
}

export interface LoadedSession {
  readonly record: SessionRecord;
  readonly events: readonly SessionEvent[];
}

export function loadSession(paths: AppPaths, id: string, isAlive: IsAlive = isProcessAlive): LoadedSession {
  if (!/^[\w.-]+$/.test(id))
    throw new FactoryError('SESSION_NOT_FOUND', `"${id}" is not a session id. \`mlx-factory sessions list\` shows them.`);
  const files = sessionFiles(paths.sessions, id);
  if (!fs.existsSync(files.log))
    throw new FactoryError('SESSION_NOT_FOUND', `No session ${id} in ${paths.sessions}. \`mlx-factory sessions list\` shows them.`);
  const log = readSessionLog(files.log);
  if (log.events.length === 0)
    throw new FactoryError('SESSION_NOT_FOUND', `Session ${id} has an empty log (${files.log}); it never started.`);
  return { record: rebuildSession(log.events, readSessionMeta(files.meta), files.log, log.partialTail, isAlive), events: log.events };
}

export interface SessionListing {
  /** Newest first. */
  readonly sessions: SessionRecord[];
  /** Session folders that could not be read, with why. */
  readonly problems: Array<{ id: string; message: string }>;
}

/**
 * Per log: the fold so far and where reading stopped. A listing folds only what was appended since the
 * last one (the UI host lists sessions many times a second; a log can hold thousands of events).
 */
interface CachedFold {
  fold: SessionFold | null;
  offset: number;
  identity: string | null;
  partialTail: boolean;
}
const folds = new Map<string, CachedFold>();

/** A session's record from its log, reading only the bytes appended since the last call. */
export function loadSessionRecord(paths: AppPaths, id: string, isAlive: IsAlive = isProcessAlive): SessionRecord {
  const files = sessionFiles(paths.sessions, id);
  let cached = folds.get(files.log) ?? { fold: null, offset: 0, identity: null, partialTail: false };
  let appended = readAppendedEvents(files.log, cached.offset, cached.identity);
  if (appended.restarted) {
    cached = { fold: null, offset: 0, identity: null, partialTail: false };
    appended = readAppendedEvents(files.log, 0, null);
  }
  let fold = cached.fold;
  for (const event of appended.events) {
    if (fold === null) {
      if (event.type !== 'session.created') throw new Error(`${files.log}: the log does not start with session.created`);
      fold = startFold(event);
    } else foldEvent(fold, event);
  }
  folds.set(files.log, { fold, offset: appended.offset, identity: appended.identity, partialTail: appended.partialTail });
  if (fold === null) throw new FactoryError('SESSION_NOT_FOUND', `Session ${id} has an empty log (${files.log}); it never started.`);
  // meta.json's pid matters only while the log says the session runs (is its process still there?).
  return recordOf(fold, fold.state === 'running' ? readSessionMeta(files.meta) : undefined, files.log, appended.partialTail, isAlive);
}

export function loadAllSessions(paths: AppPaths, isAlive: IsAlive = isProcessAlive): SessionListing {
  const sessions: SessionRecord[] = [];
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
      sessions.push(loadSessionRecord(paths, id, isAlive));
    } catch (error) {
      problems.push({ id, message: (error as Error).message });
    }
  }
  sessions.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return { sessions, problems };
}

/**
 * Makes the log and meta.json say what the rebuild found: a session found `interrupted` gets a
 * `session.interrupted` event (once), and meta.json of every session no process runs is rewritten
 * from the record (or re-created when it was lost). Returns the sessions newly marked interrupted.
 */
export function reconcileSessions(paths: AppPaths, isAlive: IsAlive = isProcessAlive): SessionListing & { interrupted: string[] } {
  const listing = loadAllSessions(paths, isAlive);
  const interrupted: string[] = [];
  const sessions = listing.sessions.map((record) => {
    const files = sessionFiles(paths.sessions, record.id);
    // (The log is read again only for a session found interrupted: the listing folded it already.)
    if (record.state === 'interrupted' && lastStateEvent(readSessionLog(files.log).events)?.type !== 'session.interrupted') {
      appendEvent(paths, record.id, {
        type: 'session.interrupted',
        reason: record.reason,
        pid: readSessionMeta(files.meta)?.pid ?? null,
        lastAttempt: record.attempts,
        lastStep: record.steps.reduce((max, s) => Math.max(max, s.step), 0),
      });
      interrupted.push(record.id);
    }
    // A live session's meta.json belongs to the process running it; writing it from here could race
    // with that process's own last write.
    if (record.pid === null) syncMeta(paths, record);
    return record;
  });
  return { sessions, problems: listing.problems, interrupted };
}

const STATE_EVENTS: ReadonlySet<SessionEvent['type']> = new Set([
  'session.created',
  'session.finished',
  'session.interrupted',
  'session.resumed',
  'series.started',
  'merge',
  'discard',
]);

function lastStateEvent(events: readonly SessionEvent[]): SessionEvent | undefined {
  return events.findLast((e) => STATE_EVENTS.has(e.type));
}

/** Appends one event to a session's log (the writer for everything after the run: merge, rollback …). */
export function appendEvent(paths: AppPaths, id: string, payload: Parameters<SessionLog['append']>[0]): SessionEvent {
  const log = SessionLog.open(id, sessionFiles(paths.sessions, id).log);
  try {
    return log.append(payload);
  } finally {
    log.close();
  }
}

/** meta.json rewritten from a record (atomic); the pid is kept only while that process runs it. */
export function syncMeta(paths: AppPaths, record: SessionRecord, pid: number | null = record.pid): void {
  const files = sessionFiles(paths.sessions, record.id);
  const current = readSessionMeta(files.meta);
  const next: SessionMeta = {
    id: record.id,
    name: record.task.name,
    repo: record.repo,
    worktree: record.worktree,
    branch: record.branch,
    baseCommit: record.baseCommit,
    baseBranch: record.baseBranch,
    createdAt: current?.createdAt ?? record.createdAt,
    updatedAt: record.updatedAt,
    state: record.state,
    reason: record.reason,
    attempts: record.attempts,
    tokens: record.tokens,
    headCommit: record.headCommit,
    pid,
  };
  if (current !== undefined && JSON.stringify(current) === JSON.stringify(next)) return;
  writeSessionMeta(files.meta, next);
}
