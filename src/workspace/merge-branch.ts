import { FactoryError } from '../errors/factory-error.js';
import { changedPaths } from './git/changed-paths.js';
import { commitTree } from './git/commit-tree.js';
import { userIdentityEnv } from './git/commit-identity.js';
import { localChangesAmong } from './git/local-changes.js';
import { revParse } from './git/rev-parse.js';
import { updateRef } from './git/update-ref.js';
import { listWorktrees } from './git/worktree-list.js';
import { predictMerge, type MergeSides, type MergePrediction } from './predict-merge.js';
import { fastForwardJournalled, recoverInterruptedMerge, type JournalledFastForward } from './merge-journal.js';
import { withRepoLock } from './repo-lock.js';
import { settleInterruptedStash, stashAroundFastForward, type StashOutcome } from './stash-merge.js';

export interface MergeBranchRequest extends MergeSides {
  readonly squash: boolean;
  readonly message: string;
  /**
   * The user confirmed "stash and merge": local changes in the checkout that block the fast-forward
   * are put aside under refs/factory/stash/N, and put back after it (stash-merge.ts). `label` names the
   * session in the stash's message.
   */
  readonly stash?: { readonly label: string } | undefined;
}

export interface MergeBranchOutcome {
  readonly prediction: MergePrediction;
  readonly targetAfter: string;
  readonly files: readonly string[];
  /** The folder whose working tree was fast-forwarded, or null when the branch was not checked out. */
  readonly checkout: string | null;
  /** What stash-and-merge did with the user's changes (null: nothing was in the way, or not asked). */
  readonly stash: StashOutcome | null;
}

const ATTEMPTS = 3;

/**
 * Merging a session into a branch without checking anything out in the user's folder:
 *   1. predict with merge-tree; conflicts → refuse, naming the files, before anything changes;
 *   2. build the squash (one parent) or merge (two parents) commit with commit-tree;
 *   3. move the branch: if no working tree has it checked out, update-ref with the old value as a
 *      compare-and-swap; if one does, refuse when any file the merge changes has local changes there
 *      (modified, staged, untracked or ignored), else let `git merge --ff-only` bring that working tree
 *      along — git refuses itself rather than overwrite local work, and leaves unrelated changes alone.
 * We never stash, reset, check out or overwrite anything in the user's folder — unless the user
 * confirmed "stash and merge" (request.stash), which is journalled and keeps their changes under a ref. A branch that moved
 * meanwhile (another merge, a user commit) is retried from step 1, a few times.
 */
export async function mergeIntoBranch(request: MergeBranchRequest): Promise<MergeBranchOutcome> {
  return withRepoLock(request.commonDir, async () => {
    await settleInterruptedMerge(request.commonDir);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await mergeOnce(request);
      } catch (error) {
        if (!(error instanceof FactoryError && error.code === 'TARGET_MOVED') || attempt >= ATTEMPTS) throw error;
      }
    }
  });
}

async function mergeOnce(request: MergeBranchRequest): Promise<MergeBranchOutcome> {
  const prediction = await predictMerge(request);
  if (!prediction.clean) {
    const list = prediction.conflicts.map((c) => `  ${c.path}${c.kinds.length > 0 ? ` (${c.kinds.join(', ')})` : ''}`).join('\n');
    throw new FactoryError(
      'MERGE_CONFLICTS',
      `Merging into ${request.target} would conflict in ${prediction.conflicts.length} file(s); nothing was changed:\n${list}`,
      {
        conflicts: prediction.conflicts.map((c) => c.path),
      },
    );
  }
  const files = await changedPaths(request.repoRoot, prediction.targetCommit, prediction.tree);
  if (files.length === 0) {
    throw new FactoryError(
      'NOTHING_TO_MERGE',
      `${request.target} already contains everything in this session (up to ${prediction.sessionHead.slice(0, 8)}); nothing to merge.`,
    );
  }
  const commit = await commitTree({
    cwd: request.repoRoot,
    tree: prediction.tree,
    parents: request.squash ? [prediction.targetCommit] : [prediction.targetCommit, prediction.sessionHead],
    message: request.message,
    env: await userIdentityEnv(request.repoRoot),
  });
  const checkout = (await listWorktrees(request.repoRoot)).find((w) => w.branch === prediction.targetRef && w.prunable === null) ?? null;
  if (checkout === null) {
    await updateRef(request.repoRoot, {
      ref: prediction.targetRef,
      newValue: commit,
      expectedOld: prediction.targetCommit,
      reason: `mlx-factory: merge ${request.sessionBranch}`,
    });
    return { prediction, targetAfter: commit, files, checkout: null, stash: null };
  }
  const ff: JournalledFastForward = {
    commonDir: request.commonDir,
    checkout: checkout.path,
    branchRef: prediction.targetRef,
    before: prediction.targetCommit,
    after: commit,
  };
  const blocked = request.stash === undefined ? [] : await localChangesAmong(checkout.path, files);
  if (request.stash === undefined || blocked.length === 0) {
    await fastForwardUserCheckout(ff, request.target, files);
    return { prediction, targetAfter: commit, files, checkout: checkout.path, stash: null };
  }
  const head = await revParse(checkout.path, 'HEAD');
  if (head !== ff.before)
    throw new FactoryError('TARGET_MOVED', `${request.target} moved in ${checkout.path} while merging; nothing was changed.`);
  const stash = await stashAroundFastForward(
    { commonDir: request.commonDir, checkout: checkout.path, target: request.target, blocked, label: request.stash.label },
    () => fastForwardUserCheckout(ff, request.target, files),
  );
  return { prediction, targetAfter: commit, files, checkout: checkout.path, stash };
}

/** A merge an earlier process was cut off in is finished or undone before another one starts. */
export async function settleInterruptedMerge(commonDir: string, options: { waitMs?: number } = {}): Promise<void> {
  const recovery = await recoverInterruptedMerge(commonDir, options);
  if (recovery.kind === 'running')
    throw new FactoryError(
      'MERGE_INTERRUPTED',
      `An earlier merge into this repository is still running (git, pid ${recovery.pid}, recorded in ${recovery.journal}); try again when it has finished, or, if no merge is running, delete ${recovery.journal}.`,
    );
  if (recovery.kind === 'needs-attention') throw new FactoryError('MERGE_INTERRUPTED', recovery.detail);
  // Then a stash-and-merge it was part of: the user's changes back where they belong, or the way back said.
  await settleInterruptedStash(commonDir);
}

async function fastForwardUserCheckout(ff: JournalledFastForward, target: string, files: readonly string[]): Promise<void> {
  const folder = ff.checkout;
  const blocked = await localChangesAmong(folder, files);
  if (blocked.length > 0) {
    throw new FactoryError(
      'CHECKOUT_HAS_CHANGES',
      `${target} is checked out in ${folder}, and ${blocked.length} file(s) the merge changes have local changes there; nothing was changed:\n${blocked.map((f) => `  ${f}`).join('\n')}\nCommit or move those changes, merge with --stash (they are put aside under a refs/factory/stash/ ref and put back after the merge), or merge into another branch with --into.`,
      { files: blocked, checkout: folder },
    );
  }
  const head = await revParse(folder, 'HEAD');
  if (head !== ff.before) throw new FactoryError('TARGET_MOVED', `${target} moved in ${folder} while merging; nothing was changed.`);
  const result = await fastForwardJournalled(ff);
  if (result.ok) return;
  if (/not possible to fast-forward|diverg/i.test(result.message)) {
    throw new FactoryError('TARGET_MOVED', `${target} moved in ${folder} while merging; nothing was changed.`);
  }
  throw new FactoryError(
    'CHECKOUT_HAS_CHANGES',
    `git would not bring the working tree in ${folder} along, so nothing was changed:\n${result.files.length > 0 ? result.files.map((f) => `  ${f}`).join('\n') : result.message}`,
    { files: [...result.files], checkout: folder, git: result.message },
  );
}
