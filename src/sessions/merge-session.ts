import type { MergePreview, MergeResult } from '../api/payloads.js';
import { FactoryError, isFactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { factoryRefs, nextRefNumber } from '../workspace/factory-refs.js';
import { changedPaths } from '../workspace/git/changed-paths.js';
import { findSessionMergeCommit } from '../workspace/git/find-session-merge.js';
import { listRefs } from '../workspace/git/for-each-ref.js';
import { listChangedFiles } from '../workspace/git/diff-file-list.js';
import { localChangesAmong } from '../workspace/git/local-changes.js';
import { isAncestor, mergeBase } from '../workspace/git/merge-base.js';
import { readRef } from '../workspace/git/read-ref.js';
import { updateRef } from '../workspace/git/update-ref.js';
import { listWorktrees } from '../workspace/git/worktree-list.js';
import { mergeIntoBranch } from '../workspace/merge-branch.js';
import { predictMerge, type MergeSides } from '../workspace/predict-merge.js';
import { removeSessionWorktree } from '../workspace/discard-workspace.js';
import { toFileChange } from './review-session.js';
import { assertNotDiscarded, assertNotRunning, openSession, type SessionContext } from './session-context.js';
import { appendEvent } from './session-store.js';
import { assertAppStopped } from './run-guard.js';

/** One `merge` the session's log holds. */
type MergeRecord = SessionContext['record']['merges'][number];

/**
 * Taking a session's result: preview (conflicts, local changes in the way, the files) and merge.
 * The default target is the branch that was checked out when the session started; a session started
 * on a detached HEAD needs an explicit one. Merging again after more attempts takes only what is new
 * since the last merge into the same branch.
 */
export interface MergeOptions {
  /** Branch to merge into (default: the session's base branch). */
  readonly into?: string | undefined;
  /** Squash (default) or a merge commit with the session branch as second parent. */
  readonly squash?: boolean | undefined;
  readonly message?: string | undefined;
  /** Remove the session's worktree after merging (its branch stays until discarded). */
  readonly removeWorktree?: boolean | undefined;
  /** The user confirmed "stash and merge": their local changes in the way are put aside and put back. */
  readonly stash?: boolean | undefined;
}

interface MergePlan {
  readonly sides: MergeSides;
  readonly sessionHead: string;
}

/** Either what to merge, or the session's last merge into the target when nothing came after it. */
type PlanOutcome = { readonly kind: 'merge'; readonly plan: MergePlan } | { readonly kind: 'already'; readonly last: MergeRecord };

async function planMerge(context: SessionContext, into: string | undefined): Promise<PlanOutcome> {
  const { record } = context;
  assertNotRunning(record, 'merge');
  const sessionHead = assertNotDiscarded(context, 'merge');
  const target = into ?? record.baseBranch;
  if (target === null) {
    throw new FactoryError(
      'MERGE_TARGET_REQUIRED',
      `Session ${record.id} started on a detached HEAD (${record.baseCommit.slice(0, 8)}), so there is no branch to merge into by default. Pass --into BRANCH.`,
    );
  }
  const since = await reMergeBase(context, target, sessionHead);
  if (since.kind === 'already') return since;
  return {
    kind: 'merge',
    plan: {
      sides: { repoRoot: record.repo, commonDir: context.commonDir, sessionBranch: record.branch, target, base: since.base },
      sessionHead,
    },
  };
}

/**
 * After an earlier merge into the same branch, only what came after the commit merged then is new;
 * when nothing did, the session is already merged. If the branch no longer contains that merge (the
 * user undid it), git's own merge base is used again.
 */
async function reMergeBase(
  context: SessionContext,
  target: string,
  sessionHead: string,
): Promise<{ readonly kind: 'base'; readonly base: string | null } | { readonly kind: 'already'; readonly last: MergeRecord }> {
  const last = context.record.merges.filter((m) => m.target === target).at(-1);
  if (last === undefined) return { kind: 'base', base: null };
  const repo = context.record.repo;
  const targetRef = `refs/heads/${target}`;
  if (!(await isAncestor(repo, last.targetAfter, targetRef).catch(() => false))) return { kind: 'base', base: null };
  const base = await mergeBase(repo, last.sessionHead, sessionHead);
  if (base === sessionHead) return { kind: 'already', last };
  return { kind: 'base', base };
}

/** The sides a merge of the session into its base branch would use (null: nothing new to merge). */
export async function sessionMergeSides(context: SessionContext): Promise<MergeSides | null> {
  const planned = await planMerge(context, undefined);
  return planned.kind === 'merge' ? planned.plan.sides : null;
}

function alreadyMergedMessage(id: string, last: MergeRecord): string {
  return `Already merged: session ${id} is in ${last.target} (${last.targetAfter.slice(0, 8)}, from ${last.sessionHead.slice(0, 8)}) and has no new commits since; nothing changed.`;
}

export async function previewSessionMerge(paths: AppPaths, id: string, options: Pick<MergeOptions, 'into'> = {}): Promise<MergePreview> {
  const context = await openSession(paths, id);
  const fallbackTarget = options.into ?? context.record.baseBranch;
  // What the answer is made from (the prediction's own commits when there is one): a client holding
  // it can tell when either branch has moved since (session.refsMoved).
  const heads = {
    baseHead: fallbackTarget === null ? null : await readRef(context.commonDir, `refs/heads/${fallbackTarget}`),
    sessionHead: context.branchHead,
  };
  let planned: PlanOutcome;
  try {
    planned = await planMerge(context, options.into);
  } catch (error) {
    if (!isFactoryError(error)) throw error;
    return {
      canMerge: false,
      baseBranch: fallbackTarget,
      conflicts: [],
      blockedBy: [],
      upToDate: false,
      files: [],
      message: error.message,
      ...heads,
    };
  }
  if (planned.kind === 'already') {
    const message = alreadyMergedMessage(context.record.id, planned.last);
    return { canMerge: false, baseBranch: planned.last.target, conflicts: [], blockedBy: [], upToDate: true, files: [], message, ...heads };
  }
  const plan = planned.plan;
  let prediction;
  try {
    prediction = await predictMerge(plan.sides);
  } catch (error) {
    if (!isFactoryError(error)) throw error;
    return {
      canMerge: false,
      baseBranch: plan.sides.target,
      conflicts: [],
      blockedBy: [],
      upToDate: false,
      files: [],
      message: error.message,
      ...heads,
    };
  }
  const target = plan.sides.target;
  const files = (await listChangedFiles(context.record.repo, prediction.targetCommit, prediction.tree, { stats: true })).map(toFileChange);
  const conflicts = prediction.conflicts.map((c) => c.path);
  const checkout = (await listWorktrees(context.record.repo)).find((w) => w.branch === prediction.targetRef && w.prunable === null) ?? null;
  const blockedBy =
    checkout === null || files.length === 0
      ? []
      : await localChangesAmong(checkout.path, await changedPaths(context.record.repo, prediction.targetCommit, prediction.tree));
  const upToDate = files.length === 0;
  let message: string;
  if (conflicts.length > 0) message = `Merging into ${target} would conflict in ${conflicts.length} file(s): ${conflicts.join(', ')}.`;
  else if (upToDate) message = `${target} already contains everything in this session; nothing to merge.`;
  else if (blockedBy.length > 0)
    message = `${target} is checked out in ${checkout?.path ?? ''} and these files the merge changes have local changes there: ${blockedBy.join(', ')}. "Stash and merge" (\`mlx-factory sessions merge ${context.record.id} --stash\`) puts them aside under a refs/factory/stash/ ref, merges, and puts them back.`;
  else if (checkout !== null)
    message = `${files.length} file(s) will be merged into ${target}; its checkout in ${checkout.path} is brought along (a fast-forward that keeps local changes).`;
  else message = `${files.length} file(s) will be merged into ${target}.`;
  return {
    canMerge: conflicts.length === 0 && !upToDate && blockedBy.length === 0,
    baseBranch: target,
    conflicts,
    blockedBy,
    upToDate,
    files,
    message,
    baseHead: prediction.targetCommit,
    sessionHead: prediction.sessionHead,
  };
}

export interface SessionMergeResult extends MergeResult {
  /** Nothing new since the session's last merge into the target: nothing was done. */
  readonly alreadyMerged: boolean;
  readonly target: string;
  readonly targetBefore: string;
  readonly squash: boolean;
  readonly files: readonly string[];
  /** The folder whose working tree was fast-forwarded (null: the branch was not checked out). */
  readonly checkout: string | null;
  readonly worktreeRemoved: boolean;
}

export async function mergeSession(paths: AppPaths, id: string, options: MergeOptions = {}): Promise<SessionMergeResult> {
  const context = await openSession(paths, id);
  try {
    return await mergeSessionNow(paths, context, options);
  } catch (error) {
    const recovered =
      isFactoryError(error) && error.code === 'NOTHING_TO_MERGE' ? await recordInterruptedMerge(paths, context, options) : null;
    if (recovered !== null) return recovered;
    throw error;
  }
}

/**
 * The app died after git merged but before the log said so: the target holds our merge commit (found
 * by its Factory-Session trailer) while the log has no merge of this session head into it. Record it
 * now, so the session shows as merged instead of "nothing to merge" forever.
 */
async function recordInterruptedMerge(paths: AppPaths, context: SessionContext, options: MergeOptions): Promise<SessionMergeResult | null> {
  const { record } = context;
  const target = options.into ?? record.baseBranch;
  const sessionHead = assertNotDiscarded(context, 'merge');
  if (target === null || record.merges.some((m) => m.target === target && m.sessionHead === sessionHead)) return null;
  const found = await findSessionMergeCommit(record.repo, `refs/heads/${target}`, record.id, record.baseCommit);
  const targetBefore = found?.parents[0];
  if (found === null || targetBefore === undefined) return null;
  const files = await changedPaths(record.repo, targetBefore, found.commit);
  const squash = found.parents.length === 1;
  const mergedPrefix = `${factoryRefs.prefix(record.id)}merged/`;
  const kept = (await listRefs(record.repo, mergedPrefix)).some((r) => r.sha === sessionHead);
  if (!kept) {
    const n = await nextRefNumber(record.repo, mergedPrefix);
    await updateRef(record.repo, {
      ref: factoryRefs.merged(record.id, n),
      newValue: sessionHead,
      reason: 'mlx-factory: merge recorded after an interruption',
    });
  }
  appendEvent(paths, record.id, {
    type: 'merge',
    target,
    targetBefore,
    targetAfter: found.commit,
    sessionHead,
    base: (await mergeBase(record.repo, targetBefore, sessionHead)) ?? record.baseCommit,
    squash,
    files,
    checkout: null,
    worktreeRemoved: false,
  });
  return {
    alreadyMerged: false,
    mergedCommit: found.commit,
    baseBranch: target,
    checkoutUpdated: false,
    message: `${target} already had this session's merge (${found.commit.slice(0, 8)}) from a merge that was interrupted before it was recorded; it is recorded now.`,
    target,
    targetBefore,
    squash,
    files,
    checkout: null,
    worktreeRemoved: false,
  };
}

async function mergeSessionNow(paths: AppPaths, context: SessionContext, options: MergeOptions): Promise<SessionMergeResult> {
  const { record } = context;
  // A merge removes the worktree (and may stash-and-restore around it): the app must be gone first.
  assertAppStopped(record, 'merged');
  const planned = await planMerge(context, options.into);
  if (planned.kind === 'already') return alreadyMerged(record.id, planned.last);
  const plan = planned.plan;
  const squash = options.squash ?? true;
  const target = plan.sides.target;
  const steps = record.currentSteps.length;
  const message =
    options.message ??
    (squash
      ? `${record.task.name}\n\n${truncate(record.task.description, 1500)}\n\nSquashed from ${record.branch}: ${steps} step(s) in ${record.attempts} attempt(s).\n\nFactory-Session: ${record.id}`
      : `Merge ${record.branch} into ${target}\n\n${record.task.name}\n\nFactory-Session: ${record.id}`);
  const outcome = await mergeIntoBranch({
    ...plan.sides,
    squash,
    message,
    stash: options.stash === true ? { label: `session ${record.id}` } : undefined,
  });
  const sessionHead = outcome.prediction.sessionHead;
  const n = await nextRefNumber(record.repo, `${factoryRefs.prefix(record.id)}merged/`);
  await updateRef(record.repo, {
    ref: factoryRefs.merged(record.id, n),
    newValue: sessionHead,
    reason: `mlx-factory: merged into ${target}`,
  });
  let worktreeRemoved = false;
  if (options.removeWorktree === true) {
    const removed = await removeSessionWorktree({
      repoRoot: record.repo,
      commonDir: context.commonDir,
      worktree: record.worktree,
      gitDir: record.gitDir,
      worktreesRoot: paths.worktrees,
      wipRef: factoryRefs.mergedWip(record.id, n),
    });
    worktreeRemoved = removed.removed;
  }
  const base = outcome.prediction.base ?? (await mergeBase(record.repo, outcome.prediction.targetCommit, sessionHead)) ?? record.baseCommit;
  appendEvent(paths, record.id, {
    type: 'merge',
    target,
    targetBefore: outcome.prediction.targetCommit,
    targetAfter: outcome.targetAfter,
    sessionHead,
    base,
    squash,
    files: [...outcome.files],
    checkout: outcome.checkout,
    worktreeRemoved,
  });
  const where = outcome.checkout === null ? '' : ` and its checkout in ${outcome.checkout} was brought along`;
  const stashed = outcome.stash === null ? '' : `\n${outcome.stash.message}`;
  return {
    alreadyMerged: false,
    mergedCommit: outcome.targetAfter,
    baseBranch: target,
    checkoutUpdated: outcome.checkout !== null,
    message: `${squash ? 'Squash-merged' : 'Merged'} ${outcome.files.length} file(s) into ${target} (${outcome.targetAfter.slice(0, 8)})${where}.${stashed}`,
    ...(outcome.stash === null
      ? {}
      : {
          stash: {
            ref: outcome.stash.ref,
            restored: outcome.stash.restored,
            files: [...outcome.stash.files],
            conflicts: [...outcome.stash.conflicts],
            restoreCommand: outcome.stash.restoreCommand,
          },
        }),
    target,
    targetBefore: outcome.prediction.targetCommit,
    squash,
    files: outcome.files,
    checkout: outcome.checkout,
    worktreeRemoved,
  };
}

/** Merging again with nothing new: git's "Already up to date" — an answer, not an error; nothing is written. */
function alreadyMerged(id: string, last: MergeRecord): SessionMergeResult {
  return {
    alreadyMerged: true,
    mergedCommit: last.targetAfter,
    baseBranch: last.target,
    checkoutUpdated: false,
    message: alreadyMergedMessage(id, last),
    target: last.target,
    targetBefore: last.targetAfter,
    squash: last.squash,
    files: [],
    checkout: null,
    worktreeRemoved: false,
  };
}

function truncate(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1)}…`;
}
