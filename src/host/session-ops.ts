import type { FilePair, MergePreview, MergeResult, RollbackResult, SessionDiff, SessionInfo } from '../api/payloads.js';
import { FactoryError } from '../errors/factory-error.js';
import type { SessionMeta } from '../sessions/session-meta.js';
import { runGit } from '../workspace/git/run-git.js';
import { diffFiles } from './diff-files.js';
import { fileAtCommit } from './file-at-commit.js';

/**
 * What the API does to a session's worktree and branch. Issue 4 (src/workspace, session store) owns
 * rollback, merge, discard and resume; the host takes them injected so both front doors share one
 * implementation. Until one is wired, its request answers NOT_IMPLEMENTED.
 */
export interface SessionOps {
  diff(meta: SessionMeta, commit: string | undefined): Promise<SessionDiff>;
  filePair(meta: SessionMeta, path: string, oldPath: string | undefined, commit: string | undefined): Promise<FilePair>;
  rollback(meta: SessionMeta, step: number): Promise<RollbackResult>;
  mergePreview(meta: SessionMeta, squash: boolean): Promise<MergePreview>;
  merge(meta: SessionMeta, squash: boolean, message: string | undefined): Promise<MergeResult>;
  discard(meta: SessionMeta): Promise<{ archiveRef: string | null }>;
  /** Starts the loop again in the same worktree; answers once it runs. */
  resume(meta: SessionMeta): Promise<SessionInfo>;
}

function notImplemented(what: string): never {
  throw new FactoryError('NOT_IMPLEMENTED', `${what} is not available in this build yet.`);
}

/** The two sides a diff compares: base..branch tip, or one commit against its parent. */
async function diffRange(meta: SessionMeta, commit: string | undefined): Promise<{ base: string; head: string }> {
  const resolve = async (rev: string): Promise<string | null> => {
    const result = await runGit(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: meta.repo, expectedExitCodes: [0, 1, 128] });
    return result.exitCode === 0 ? result.stdout.trim() : null;
  };
  if (commit !== undefined) {
    const head = await resolve(commit);
    if (head === null) throw new FactoryError('BAD_USAGE', `Commit ${commit} is not in ${meta.repo}.`);
    const base = (await resolve(`${head}^`)) ?? meta.baseCommit;
    return { base, head };
  }
  // The branch tip while the branch exists (it moves during a run); meta's head once it is gone.
  const head = (await resolve(`refs/heads/${meta.branch}`)) ?? meta.headCommit;
  return { base: meta.baseCommit, head };
}

export const defaultSessionOps: SessionOps = {
  async diff(meta, commit) {
    const { base, head } = await diffRange(meta, commit);
    return { base, head, files: await diffFiles(meta.repo, base, head) };
  },
  async filePair(meta, path, oldPath, commit) {
    const { base, head } = await diffRange(meta, commit);
    const [left, right] = await Promise.all([fileAtCommit(meta.repo, base, oldPath ?? path), fileAtCommit(meta.repo, head, path)]);
    return { path, base, head, left, right };
  },
  rollback: () => notImplemented('Rollback'),
  mergePreview: () => notImplemented('Merge preview'),
  merge: () => notImplemented('Merge'),
  discard: () => notImplemented('Discard'),
  resume: () => notImplemented('Resume'),
};
