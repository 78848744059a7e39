import fs from 'node:fs';
import type { SessionCommit, SessionDetail, SessionInfo } from '../api/payloads.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { readSessionLog } from '../sessions/session-log.js';
import { readSessionMeta, sessionFiles, type SessionMeta } from '../sessions/session-meta.js';

/**
 * Read-only views of sessions for the API, from meta.json (fast list) and the event log (details).
 * `live` is what the host knows about a session it is running right now, which meta.json only
 * records at the end of the run.
 */
export interface LiveSessionState {
  readonly attempts: number;
  readonly headCommit: string;
  readonly tokens: { prompt: number; completion: number };
}

export type LiveLookup = (id: string) => LiveSessionState | undefined;

export function toSessionInfo(meta: SessionMeta, live: LiveSessionState | undefined): SessionInfo {
  const { pid: _pid, ...rest } = meta;
  if (live !== undefined) return { ...rest, ...live, state: 'running', live: true };
  // meta says running but no process runs it: the app or the CLI died mid-run.
  const state = meta.state === 'running' && !isRunningElsewhere(meta.pid) ? 'interrupted' : meta.state;
  return { ...rest, state, live: false };
}

function isRunningElsewhere(pid: number | null): boolean {
  if (pid === null || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readSession(paths: AppPaths, id: string): SessionMeta {
  const meta = readSessionMeta(sessionFiles(paths.sessions, id).meta);
  if (meta === undefined) throw new FactoryError('SESSION_NOT_FOUND', `No session "${id}" (see the session list for the ids).`);
  return meta;
}

export function listSessions(paths: AppPaths, live: LiveLookup): SessionInfo[] {
  let ids: string[];
  try {
    ids = fs.readdirSync(paths.sessions);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const sessions: SessionInfo[] = [];
  for (const id of ids) {
    const meta = readSessionMeta(sessionFiles(paths.sessions, id).meta);
    if (meta !== undefined) sessions.push(toSessionInfo(meta, live(meta.id)));
  }
  // Newest first: ids and createdAt both sort by creation time.
  return sessions.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

export function sessionDetail(paths: AppPaths, id: string, live: LiveLookup): SessionDetail {
  const meta = readSession(paths, id);
  const { events } = readSessionLog(sessionFiles(paths.sessions, id).log);
  let task: SessionDetail['task'] = null;
  let uncommitted: string[] = [];
  const commits: SessionCommit[] = [];
  let lastVerdict: SessionDetail['lastVerdict'] = null;
  for (const event of events) {
    if (event.type === 'session.created') {
      task = event.task;
      uncommitted = event.uncommittedNotIncluded;
    } else if (event.type === 'commit') {
      commits.push({ step: event.step, attempt: event.attempt, sha: event.sha, files: event.files });
    } else if (event.type === 'verdict') {
      lastVerdict = { attempt: event.attempt, verdict: event.verdict, passed: event.passed, feedback: event.feedback };
    }
  }
  return { session: toSessionInfo(meta, live(id)), task, uncommittedNotIncluded: uncommitted, commits, lastVerdict, lastSeq: events.at(-1)?.seq ?? 0 };
}
