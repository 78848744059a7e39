import type { SessionCommit, SessionDetail, SessionInfo } from '../api/payloads.js';
import type { AppPaths } from '../home/app-home.js';
import { loadAllSessions, loadSession, type SessionRecord, type StepRecord } from '../sessions/session-store.js';
import { reviewComments } from '../sessions/review-comments.js';
import { stepResults } from './step-results.js';

/**
 * The API's views of sessions, from the session store (each session rebuilt from its log, the
 * source of truth; a session whose process died reads as interrupted). `live` is what the host
 * knows about a session it is running right now, ahead of what the log has settled.
 */
export interface LiveSessionState {
  readonly attempts: number;
  readonly headCommit: string;
  readonly tokens: { prompt: number; completion: number };
}

export type LiveLookup = (id: string) => LiveSessionState | undefined;

/** The task's first line, for the list (whole; the view cuts it to fit). */
export function taskTitle(description: string, fallback: string): string {
  const first = description.trim().split('\n')[0]?.trim() ?? '';
  return first !== '' ? first : fallback;
}

export function toSessionInfo(record: SessionRecord, live: LiveSessionState | undefined, archived = false): SessionInfo {
  const info: SessionInfo = {
    id: record.id,
    name: record.task.name,
    title: taskTitle(record.task.description, record.task.name),
    repo: record.repo,
    worktree: record.worktree,
    branch: record.branch,
    baseCommit: record.baseCommit,
    baseBranch: record.baseBranch,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    state: record.state,
    reason: record.reason,
    attempts: record.attempts,
    tokens: { ...record.tokens },
    headCommit: record.headCommit,
    live: false,
    archived,
    series: record.series,
    rolledBackTo: record.rolledBackTo,
  };
  return live === undefined ? info : { ...info, ...live, state: 'running', reason: '', live: true };
}

/** The session's record; SESSION_NOT_FOUND for an unknown id. */
export function readSession(paths: AppPaths, id: string): SessionRecord {
  return loadSession(paths, id).record;
}

export function listSessions(paths: AppPaths, live: LiveLookup, archived: (id: string) => boolean = () => false): SessionInfo[] {
  // Newest first; folders that cannot be read are left out of the list (the CLI reports them).
  return loadAllSessions(paths).sessions.map((record) => toSessionInfo(record, live(record.id), archived(record.id)));
}

export function sessionDetail(
  paths: AppPaths,
  id: string,
  live: LiveLookup,
  archived: (id: string) => boolean = () => false,
): SessionDetail {
  const { record, events } = loadSession(paths, id);
  const results = stepResults(events);
  const onBranch = new Set(record.currentSteps);
  let lastVerdict: SessionDetail['lastVerdict'] = null;
  for (const event of events) {
    if (event.type === 'verdict')
      lastVerdict = { attempt: event.attempt, verdict: event.verdict, passed: event.passed, feedback: event.feedback };
  }
  const toCommit = (step: StepRecord): SessionCommit => {
    const result = results.get(step.step);
    return {
      step: step.step,
      attempt: step.attempt,
      sha: step.sha,
      files: [...step.files],
      check: result?.check ?? null,
      verdict: result?.verdict ?? null,
      passed: result?.passed ?? null,
    };
  };
  return {
    session: toSessionInfo(record, live(id), archived(id)),
    task: { ...record.task, constraints: [...record.task.constraints], files: [...record.task.files] },
    uncommittedNotIncluded: [...record.uncommittedNotIncluded],
    // The commits on the branch now (a rollback's dropped ones are kept by a ref, not listed).
    commits: record.steps.filter((step) => onBranch.has(step.step)).map(toCommit),
    dropped: record.steps.filter((step) => !onBranch.has(step.step)).map(toCommit),
    comments: reviewComments(events),
    lastVerdict,
    lastSeq: record.lastSeq,
  };
}
