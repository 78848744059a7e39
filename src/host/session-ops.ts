import type {
  ConflictViewData,
  FilePair,
  MergePreview,
  MergeResult,
  PullRequestResult,
  RollbackResult,
  SessionDiff,
} from '../api/payloads.js';
import type { AppPaths } from '../home/app-home.js';
import { discardSession } from '../sessions/discard-session.js';
import { mergeSession, previewSessionMerge } from '../sessions/merge-session.js';
import { createPullRequest } from '../sessions/push-session.js';
import { sessionConflicts } from '../sessions/conflict-view.js';
import { replySession } from '../sessions/reply-session.js';
import { resumeSession } from '../sessions/resume-session.js';
import { requestChanges } from '../sessions/review-comments.js';
import { resolveConflictsWithCoder } from '../sessions/update-from-base.js';
import { sessionDiff, sessionFilePair } from '../sessions/review-session.js';
import { rollbackSession } from '../sessions/rollback-session.js';
import type { ReplyLoop, ResumeLoop } from './session-runner.js';

/**
 * What the API does to a session's branch and worktree: the session operations of src/sessions
 * (the same ones `mlx-factory sessions …` runs), behind one interface so the host can be given
 * others in tests. The host adds only what is about the API: refusing while it runs a session,
 * and telling clients the list row changed.
 */
export interface SessionOps {
  diff(paths: AppPaths, id: string, commit: string | undefined): Promise<SessionDiff>;
  filePair(paths: AppPaths, id: string, path: string, commit: string | undefined): Promise<FilePair>;
  rollback(paths: AppPaths, id: string, step: number): Promise<RollbackResult>;
  mergePreview(paths: AppPaths, id: string): Promise<MergePreview>;
  merge(paths: AppPaths, id: string, squash: boolean, message: string | undefined, stash?: boolean): Promise<MergeResult>;
  discard(paths: AppPaths, id: string): Promise<{ archiveRef: string | null }>;
  conflicts(paths: AppPaths, id: string, direction: 'merge' | 'update'): Promise<ConflictViewData>;
  /** Push the branch and open a pull request (gh) or answer the host's compare page. */
  pullRequest(paths: AppPaths, id: string, draft: boolean): Promise<PullRequestResult>;
  /** Runs the loop again in the same worktree, appending to the same log (the host tracks it live). */
  resume: ResumeLoop;
  /** A new attempt series with the user's instruction, in the same worktree and log. */
  reply: ReplyLoop;
  /** A new attempt series with every open review comment as the instruction. */
  requestChanges: ResumeLoop;
  /** Update from the base branch despite conflicts, and a series asking the Coder to resolve them. */
  resolveConflicts: ResumeLoop;
}

export const defaultSessionOps: SessionOps = {
  diff: (paths, id, commit) => sessionDiff(paths, id, { commit }),
  filePair: (paths, id, path, commit) => sessionFilePair(paths, id, path, { commit }),
  // The API answers the contract's fields only (requests.ts): the CLI's result has more (refs, the
  // user's checkout path), which a client would only drop, and which are the contract's to add.
  rollback: async (paths, id, step) => {
    const { headCommit, keptRef, droppedCommits } = await rollbackSession(paths, id, step);
    return { headCommit, keptRef, droppedCommits };
  },
  mergePreview: (paths, id) => previewSessionMerge(paths, id),
  merge: async (paths, id, squash, message, stash) => {
    const result = await mergeSession(paths, id, { squash, message, stash });
    const { mergedCommit, baseBranch, checkoutUpdated, alreadyMerged } = result;
    return {
      mergedCommit,
      baseBranch,
      checkoutUpdated,
      alreadyMerged,
      message: result.message,
      ...(result.stash === undefined ? {} : { stash: result.stash }),
    };
  },
  discard: async (paths, id) => ({ archiveRef: (await discardSession(paths, id)).archiveRef }),
  conflicts: async (paths, id, direction) => {
    const view = await sessionConflicts(paths, id, direction);
    return {
      ...view,
      files: view.files.map((f) => ({
        ...f,
        kinds: [...f.kinds],
        hunks: f.hunks.map((h) => ({ line: h.line, ours: [...h.ours], base: h.base === null ? null : [...h.base], theirs: [...h.theirs] })),
      })),
    };
  },
  pullRequest: async (paths, id, draft) => {
    const r = await createPullRequest(paths, id, { draft });
    return {
      via: r.via,
      url: r.url,
      number: r.number,
      state: r.state,
      draft: r.draft,
      remote: r.push.remote,
      branch: r.push.branch,
      commit: r.push.commit,
      message: r.message,
    };
  },
  resume: resumeSession,
  reply: (paths, id, message, deps) => replySession(paths, id, message, deps),
  requestChanges: (paths, id, deps) => requestChanges(paths, id, deps),
  resolveConflicts: (paths, id, deps) => resolveConflictsWithCoder(paths, id, deps),
};
