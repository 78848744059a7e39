import type { MergePreview, RepoStatus, SessionInfo } from '../../../src/api/payloads.js';
import { plural, shortSha, stepName } from './display-format.js';

/**
 * The sentences of the merge, discard and rollback confirmations: exactly what will happen to
 * which branch and which folder, from the preview the host computed (`git merge-tree`) and the
 * state of the user's checkout. Pure, so the wording is tested.
 */
export interface Confirmation {
  readonly title: string;
  readonly lines: readonly string[];
  readonly action: string;
  readonly destructive: boolean;
  /** A text the user may edit before confirming (the merge's commit message); passed to onConfirm. */
  readonly edit?: { readonly label: string; readonly initial: string; readonly hint?: string };
}

export function describeMerge(session: SessionInfo, preview: MergePreview, squash: boolean, checkout: RepoStatus | null): Confirmation {
  const target = preview.baseBranch ?? session.baseBranch ?? 'the base branch';
  const files = plural(preview.files.length, 'changed file');
  const lines: string[] = [];
  if (session.rolledBackTo !== null) lines.push(rolledBackWarning(session.rolledBackTo));
  lines.push(
    squash
      ? `Creates one commit on ${target} with the ${files} of ${session.branch} (its step commits become one).`
      : `Merges ${session.branch} into ${target} with a merge commit, keeping each step commit in ${target}'s history.`,
  );
  if (checkout !== null && checkout.branch === target) {
    lines.push(
      `Your checkout at ${checkout.root ?? session.repo} has ${target} checked out: its files are updated to the result. Other uncommitted changes there are left alone; if one of the merged files has uncommitted changes, the merge is refused instead.`,
    );
  } else {
    lines.push(
      `Only the branch ${target} moves; nothing in your checkout at ${session.repo} changes${checkout?.branch != null ? ` (it is on ${checkout.branch})` : ''}.`,
    );
  }
  lines.push(`The session branch ${session.branch} is kept, so later attempts can be merged again.`);
  return {
    title: `${squash ? 'Squash-merge' : 'Merge'} into ${target}?`,
    lines,
    action: squash ? 'Squash and merge' : 'Merge',
    destructive: false,
  };
}

/** A rollback leaves the branch at a step no check has passed on as it is. */
function rolledBackWarning(step: number): string {
  return `Warning: this session was rolled back to ${stepName(step)} and not checked since — what you merge is not what the check passed. “Continue from here” runs the Coder and the check again.`;
}

export function describeRestore(session: SessionInfo, step: number, sha: string): Confirmation {
  return {
    title: `Restore step ${step}?`,
    lines: [
      `Moves ${session.branch} and its worktree forward to step ${step} (${shortSha(sha)}), as it was before the rollback.`,
      'Where the branch is now stays reachable under a ref, as for any rollback.',
    ],
    action: 'Restore',
    destructive: false,
  };
}

export function describeDiscard(session: SessionInfo): Confirmation {
  return {
    title: 'Discard this session?',
    lines: [
      `Removes the worktree at ${session.worktree} and deletes the branch ${session.branch}.`,
      `The work stays reachable under an archive ref (shown afterwards), so it can be recovered with git.`,
      `${session.baseBranch ?? 'Your base branch'} and your checkout at ${session.repo} are not touched.`,
    ],
    action: 'Discard',
    destructive: true,
  };
}

export function describeRollback(session: SessionInfo, step: number, sha: string | null, laterCommits: number): Confirmation {
  const where = step === 0 ? `the base commit ${shortSha(session.baseCommit)}` : `step ${step} (${shortSha(sha)})`;
  return {
    title: `Roll back to ${step === 0 ? 'the start' : `step ${step}`}?`,
    lines: [
      `Moves ${session.branch} and its worktree back to ${where}.`,
      laterCommits > 0
        ? `The ${plural(laterCommits, 'later commit')} ${laterCommits === 1 ? 'is' : 'are'} kept under a ref, not deleted; uncommitted work in the worktree is kept the same way.`
        : 'No commit is dropped.',
      `${session.baseBranch ?? 'Your base branch'} and your checkout are not touched.`,
    ],
    action: 'Roll back',
    destructive: true,
  };
}

/** The one-line state of a merge preview, for the panel before the button. */
export function previewHeadline(
  preview: MergePreview,
  session: Pick<SessionInfo, 'rolledBackTo' | 'merged'> = { rolledBackTo: null, merged: false },
): { tone: 'success' | 'warning' | 'danger' | 'neutral'; text: string } {
  if (preview.upToDate)
    return {
      tone: 'neutral',
      text: session.merged ? 'Nothing new to merge since the last merge.' : 'Nothing to merge: the session has no changes.',
    };
  if (preview.conflicts.length > 0) return { tone: 'danger', text: `${plural(preview.conflicts.length, 'file')} would conflict.` };
  if (preview.blockedBy.length > 0)
    return {
      tone: 'warning',
      text: `Uncommitted changes in your checkout block the update (${plural(preview.blockedBy.length, 'file')}).`,
    };
  if (!preview.canMerge) return { tone: 'warning', text: preview.message };
  // It would merge cleanly, but what it would merge has not passed the check as it is.
  if (session.rolledBackTo !== null)
    return {
      tone: 'warning',
      text: `Merges cleanly (${plural(preview.files.length, 'file')}), but step ${session.rolledBackTo} is not checked.`,
    };
  return { tone: 'success', text: `Merges cleanly: ${plural(preview.files.length, 'file')}.` };
}

/**
 * "Create pull request": what happens, said before it does — the push runs with the user's credentials
 * but without their hooks (a pre-push hook would run the session's code outside the sandbox).
 */
/** "Stash and merge": what happens to the user's uncommitted changes, said before they confirm. */
export function describeStashMerge(session: SessionInfo, preview: MergePreview): Confirmation {
  const base = preview.baseBranch ?? session.baseBranch ?? 'the base branch';
  return {
    title: `Stash your changes and merge into ${base}?`,
    lines: [
      `Your uncommitted changes to ${preview.blockedBy.join(', ')} are put aside under a refs/factory/stash/ ref (not your own stash list), then the merge brings your checkout along, then they are put back.`,
      'Your other local changes are not touched.',
      'If putting them back would conflict with the merge, nothing is forced: they stay under the ref and you are told the git command that restores them.',
    ],
    action: 'Stash and merge',
    destructive: false,
  };
}

export function describePullRequest(session: SessionInfo, draft: boolean): Confirmation {
  const base = session.baseBranch ?? 'the base branch';
  return {
    title: `Create a${draft ? ' draft' : ''} pull request into ${base}?`,
    lines: [
      `Pushes ${session.branch} to the remote ${base} tracks (else origin) with your git credentials. Never forced: if the branch there has commits this session does not, the push is refused and nothing changes.`,
      "Hooks are off for this push: a pre-push hook would run the session's code outside the sandbox.",
      "Then opens the pull request with the GitHub CLI (gh) when it is installed and signed in; otherwise the host's page for a new pull request opens in your browser.",
      'Your local branches do not change.',
    ],
    action: draft ? 'Push and create draft' : 'Push and create',
    destructive: false,
  };
}
