import { FactoryError } from '../errors/factory-error.js';
import { isValidBranchName } from './branch-name.js';
import { mergeTree, type MergeConflict } from './git/merge-tree.js';
import { readRef } from './git/read-ref.js';

/**
 * Merge prediction: the real merge, computed with `git merge-tree --write-tree` in the object database,
 * so what is predicted is exactly what a merge would build — and nothing on disk changes.
 *
 * The base is git's merge base, except when this session was merged into the target before: then the
 * base is the session commit taken last time. After a squash merge git would still pick the session's
 * original base and report conflicts between the session's old and new versions of the same lines.
 * One `git merge-tree` either way: `--merge-base` where git has it (2.40+), a graft on git 2.39 (what
 * macOS ships; see merge-tree.ts).
 */
export interface MergeSides {
  readonly repoRoot: string;
  /** The shared .git directory (refs are read in-process from there). */
  readonly commonDir: string;
  readonly sessionBranch: string;
  /** Short branch name to merge into. */
  readonly target: string;
  /** The merge base to use instead of git's (a re-merge); null = git's. */
  readonly base: string | null;
}

export interface MergePrediction {
  readonly target: string;
  readonly targetRef: string;
  readonly targetCommit: string;
  readonly sessionHead: string;
  readonly base: string | null;
  readonly clean: boolean;
  readonly tree: string;
  readonly conflicts: readonly MergeConflict[];
  readonly messages: readonly string[];
}

export async function predictMerge(sides: MergeSides, options: { readonly withBase?: boolean } = {}): Promise<MergePrediction> {
  if (!isValidBranchName(sides.target)) throw new FactoryError('BAD_USAGE', `"${sides.target}" is not a branch name.`);
  const targetRef = `refs/heads/${sides.target}`;
  if (sides.target === sides.sessionBranch) {
    throw new FactoryError(
      'BAD_USAGE',
      `Cannot merge the session branch ${sides.sessionBranch} into itself; pass --into with another branch.`,
    );
  }
  const [targetCommit, sessionHead] = await Promise.all([
    readRef(sides.commonDir, targetRef),
    readRef(sides.commonDir, `refs/heads/${sides.sessionBranch}`),
  ]);
  if (targetCommit === null) {
    throw new FactoryError(
      'BRANCH_NOT_FOUND',
      `The branch "${sides.target}" does not exist in ${sides.repoRoot} (deleted or renamed?). Nothing was changed. Pass --into BRANCH to merge into another branch.`,
    );
  }
  if (sessionHead === null) {
    throw new FactoryError(
      'SESSION_DISCARDED',
      `The session branch ${sides.sessionBranch} no longer exists in ${sides.repoRoot}; there is nothing to merge.`,
    );
  }
  const mergeBase = sides.base !== null && sides.base !== targetCommit ? sides.base : undefined;
  const result = await mergeTree(sides.repoRoot, targetCommit, sessionHead, {
    ...(mergeBase !== undefined ? { mergeBase } : {}),
    ...(options.withBase === true ? { withBase: true } : {}),
  });
  return {
    target: sides.target,
    targetRef,
    targetCommit,
    sessionHead,
    base: sides.base,
    clean: result.clean,
    tree: result.tree,
    conflicts: result.conflicts,
    messages: result.messages,
  };
}
