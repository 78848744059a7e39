import { stepsOnBranch, type SessionStep } from '../api/session-projection.js';
import type { SessionRow } from '../api/session-row.js';
import type { SessionCommit, SessionDetail, SessionInfo } from '../api/payloads.js';
import type { AppPaths } from '../home/app-home.js';
import { loadAllSessions, loadSession, loadSessionRow, type SessionRecord } from '../sessions/session-store.js';

/**
 * The API's views of sessions: picks of the one projection (src/api/session-projection.ts) the session
 * store keeps per log. `live` says whether this host runs the session's loop itself (so it can stop it).
 */
export type IsLive = (id: string) => boolean;

function toSessionInfo(row: SessionRow, live: boolean, archived = false): SessionInfo {
  return { ...row, live, archived };
}

/** The session's record; SESSION_NOT_FOUND for an unknown id. */
export function readSession(paths: AppPaths, id: string): SessionRecord {
  return loadSession(paths, id);
}

export function sessionInfo(paths: AppPaths, id: string, live: IsLive, archived: (id: string) => boolean = () => false): SessionInfo {
  return toSessionInfo(loadSessionRow(paths, id), live(id), archived(id));
}

export function listSessions(paths: AppPaths, live: IsLive, archived: (id: string) => boolean = () => false): SessionInfo[] {
  // Newest first; folders that cannot be read are left out of the list (the CLI reports them).
  return loadAllSessions(paths).sessions.map((row) => toSessionInfo(row, live(row.id), archived(row.id)));
}

function toCommit(step: SessionStep): SessionCommit {
  return {
    step: step.step,
    series: step.series,
    attempt: step.attempt,
    sha: step.sha,
    files: [...step.files],
    check: step.check,
    verdict: step.verdict,
    passed: step.passed,
    tests: step.tests,
    testsChanged: [...step.testsChanged],
    label: step.label,
  };
}

export function sessionDetail(paths: AppPaths, id: string, live: IsLive, archived: (id: string) => boolean = () => false): SessionDetail {
  const session = loadSession(paths, id);
  const { current, dropped } = stepsOnBranch(session);
  const rollback = session.rollbacks.at(-1);
  return {
    session: toSessionInfo(loadSessionRow(paths, id), live(id), archived(id)),
    task: { ...session.task, constraints: [...session.task.constraints], files: [...session.task.files] },
    uncommittedNotIncluded: [...session.uncommittedNotIncluded],
    // The commits on the branch now (a rollback's dropped ones are kept by a ref, not listed).
    commits: current.map(toCommit),
    dropped: dropped.map(toCommit),
    comments: session.comments.map((c) => ({ ...c })),
    viewed: { ...session.viewed },
    lastVerdict: session.lastVerdict,
    seriesList: session.seriesList.map((r) => ({ ...r })),
    lastRollback:
      rollback === undefined
        ? null
        : { toStep: rollback.toStep, restore: rollback.restore, stepsMoved: rollback.stepsMoved, time: rollback.time },
    server: session.server,
    tests:
      session.tests === null
        ? null
        : {
            files: [...session.tests.files],
            step: session.tests.step,
            command: session.tests.command,
            exitCode: session.tests.exitCode,
            timedOut: session.tests.timedOut,
          },
    lint: { ...session.lint },
    pullRequest: session.pullRequest === null ? null : { ...session.pullRequest },
    lastPush: lastPush(session.pushes),
    lastSeq: session.lastSeq,
  };
}

/**
 * The list as this host answers `sessions.list`: the rows of the last listing, kept until something
 * changes a session — this host's own runs and requests, or another process's appends, which the
 * sessions-folder watcher reports (src/host/external-sessions.ts) — and never older than `maxAgeMs`,
 * so a change nothing reported still shows within that time. A client polling the list costs the
 * host one answer, not a listing of every session each time.
 */
export class SessionList {
  private rows: SessionInfo[] | null = null;
  private listedAt = 0;
  /** Bumped when a listing differs from the one before (the epoch keeps versions of two host runs apart). */
  private version = 0;
  private text = '';
  private readonly epoch = Date.now().toString(36);

  constructor(
    private readonly paths: AppPaths,
    private readonly live: IsLive,
    private readonly archived: (id: string) => boolean,
    private readonly maxAgeMs = 250,
  ) {}

  list(): SessionInfo[] {
    return this.current().rows;
  }

  /** The rows and the version that names them. */
  current(): { rows: SessionInfo[]; version: string } {
    const now = performance.now();
    if (this.rows === null || now - this.listedAt > this.maxAgeMs) {
      const rows = listSessions(this.paths, this.live, this.archived);
      const text = JSON.stringify(rows);
      if (text !== this.text) this.version += 1;
      this.rows = rows;
      this.text = text;
      this.listedAt = now;
    }
    return { rows: this.rows, version: `${this.epoch}.${this.version}` };
  }

  invalidate(): void {
    this.rows = null;
  }
}

function lastPush(pushes: ReturnType<typeof loadSession>['pushes']): SessionDetail['lastPush'] {
  const last = pushes.at(-1);
  return last === undefined ? null : { remote: last.remote, url: last.url, branch: last.branch, commit: last.commit, time: last.time };
}
