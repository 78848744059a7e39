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

/** The whole-list answer of `sessions.list` (the contract's shape: requests.ts). Frozen, rows included. */
export interface SessionListAnswer {
  readonly sessions: SessionInfo[];
  readonly version: string;
  readonly unchanged: false;
}

/**
 * The list as this host answers `sessions.list`: the rows of the last listing, kept until something
 * changes a session — this host's own runs and requests, or another process's appends, which the
 * sessions-folder watcher reports (src/host/external-sessions.ts) — and never older than `maxAgeMs`,
 * so a change nothing reported still shows within that time. A client polling the list costs the
 * host one answer, not a listing of every session each time.
 *
 * The whole-list answer is one frozen object per version, and its JSON is built once per version
 * (`serialized`): a client that takes the whole list each time costs the host a socket write, not
 * a 200-row JSON.stringify (#15's bench: 129 → thousands of answers a second).
 */
export class SessionList {
  /** The last answer; kept across `invalidate`, so a relisting that finds nothing new keeps its version. */
  private last: SessionListAnswer | null = null;
  /** Nothing has changed a session since `last` was listed (as far as this host was told). */
  private fresh = false;
  /** The rows of the last listing by id, with what each was built from (a relisting reuses unchanged ones). */
  private byId = new Map<string, { row: SessionRow; info: SessionInfo }>();
  private listedAt = 0;
  /** Bumped when a listing differs from the one before (the epoch keeps versions of two host runs apart). */
  private version = 0;
  private json: { answer: SessionListAnswer; bytes: Buffer } | null = null;
  private readonly epoch = Date.now().toString(36);

  constructor(
    private readonly paths: AppPaths,
    private readonly live: IsLive,
    private readonly archived: (id: string) => boolean,
    private readonly maxAgeMs = 250,
  ) {}

  list(): readonly SessionInfo[] {
    return this.answer().sessions;
  }

  /** The rows and the version that names them. */
  current(): { rows: readonly SessionInfo[]; version: string } {
    const answer = this.answer();
    return { rows: answer.sessions, version: answer.version };
  }

  /** The whole-list answer: the same (frozen) object until the list changes. */
  answer(): SessionListAnswer {
    const now = performance.now();
    if (this.last === null || !this.fresh || now - this.listedAt > this.maxAgeMs) {
      this.last = this.relist(this.last);
      this.fresh = true;
      this.listedAt = now;
    }
    return this.last;
  }

  /**
   * The UTF-8 JSON of `answer` when it is this list's answer (built at the first ask per version);
   * undefined for anything else, which the caller serializes itself.
   */
  serialized(answer: unknown): Buffer | undefined {
    const current = this.last;
    if (current === null || answer !== current) return undefined;
    if (this.json?.answer !== current) this.json = { answer: current, bytes: Buffer.from(JSON.stringify(current)) };
    return this.json.bytes;
  }

  invalidate(): void {
    this.fresh = false;
  }

  /**
   * Lists again; a row the store hands back unchanged (the same object: the store keeps a settled
   * session's row until its log grows) keeps its info object, so an unchanged listing is found
   * without serializing it and keeps its version, its answer object and its JSON.
   */
  private relist(previous: SessionListAnswer | null): SessionListAnswer {
    const rows = loadAllSessions(this.paths).sessions;
    const byId = new Map<string, { row: SessionRow; info: SessionInfo }>();
    let changed = previous === null || previous.sessions.length !== rows.length;
    const infos = rows.map((row, index) => {
      const live = this.live(row.id);
      const archived = this.archived(row.id);
      const before = this.byId.get(row.id);
      let info: SessionInfo;
      if (before !== undefined && before.info.live === live && before.info.archived === archived && sameRow(before.row, row))
        info = before.info;
      else info = Object.freeze(toSessionInfo(row, live, archived));
      byId.set(row.id, { row, info });
      if (!changed && previous?.sessions[index] !== info) changed = true;
      return info;
    });
    this.byId = byId;
    if (!changed && previous !== null) return previous;
    this.version += 1;
    return Object.freeze({ sessions: Object.freeze(infos) as SessionInfo[], version: `${this.epoch}.${this.version}`, unchanged: false });
  }
}

/** The store rebuilds a running session's row at each read: equal content counts as unchanged. */
function sameRow(a: SessionRow, b: SessionRow): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function lastPush(pushes: ReturnType<typeof loadSession>['pushes']): SessionDetail['lastPush'] {
  const last = pushes.at(-1);
  return last === undefined ? null : { remote: last.remote, url: last.url, branch: last.branch, commit: last.commit, time: last.time };
}
