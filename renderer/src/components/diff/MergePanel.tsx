import type { MergePreview, SessionDetail, SessionInfo } from '../../../../src/api/payloads.js';
import { isUnavailable } from '../../lib/api-errors.js';
import { previewHeadline } from '../../lib/merge-summary.js';
import type { ActionOutcome } from '../../state/diff-store.js';
import { Spinner } from '../common/Spinner.js';

/** Before the merge button: the predicted result (conflicts, blocking local changes), then the actions. */
export function MergePanel({
  session,
  preview,
  previewLoading,
  previewError,
  previewErrorCode,
  stale = false,
  squash,
  onSquash,
  onMerge,
  onDiscard,
  busy,
  outcome,
  offerRemove = false,
  onRemove,
  onKeep,
  onUpdate,
  updating = false,
  onResolve,
  onPullRequest,
  pullRequest = null,
  draft = false,
  onDraft,
  creatingPr = false,
  onShowConflicts,
  onStashMerge,
}: {
  session: SessionInfo;
  preview: MergePreview | null;
  previewLoading: boolean;
  previewError: string | null;
  previewErrorCode?: string | null | undefined;
  /** The base or session branch moved since the preview was made: it is being asked again. */
  stale?: boolean;
  squash: boolean;
  onSquash: (squash: boolean) => void;
  onMerge: () => void;
  onDiscard: () => void;
  busy: 'merge' | 'discard' | 'rollback' | null;
  outcome: ActionOutcome | null;
  /** Just merged: offer to remove the worktree and branch. */
  offerRemove?: boolean;
  onRemove?: () => void;
  onKeep?: () => void;
  /** "Update from main": merge the base branch into the session branch. */
  onUpdate?: () => void;
  updating?: boolean;
  /** "Ask the Coder to resolve" the conflicts of an update from the base branch. */
  onResolve?: () => void;
  /** "Create pull request": push the branch and open a PR (offered also when the merge is blocked). */
  onPullRequest?: () => void;
  /** The session's pull request as last seen. */
  pullRequest?: SessionDetail['pullRequest'];
  draft?: boolean;
  onDraft?: (draft: boolean) => void;
  creatingPr?: boolean;
  /** The conflict view of the predicted merge: files, hunks, both sides and the base. */
  onShowConflicts?: () => void;
  /** "Stash and merge": offered when only the user's uncommitted changes block the merge (asks first). */
  onStashMerge?: () => void;
}) {
  const closed = session.state === 'discarded' || session.cleanedUp;
  const headline = preview !== null ? previewHeadline(preview, session) : null;
  const why = session.live
    ? 'Wait for the session to end (or stop it) first.'
    : closed
      ? session.cleanedUp
        ? 'This session was merged and cleaned up.'
        : 'This session was discarded.'
      : null;
  const canMerge = why === null && preview !== null && preview.canMerge && !preview.upToDate && !stale && busy === null;
  return (
    <div className="merge-panel" data-can-merge={canMerge} data-loading={previewLoading} data-stale={stale}>
      <div className="merge-status">
        {closed ? (
          <span className="merge-line neutral" data-merge-headline>
            {session.cleanedUp
              ? 'Merged and cleaned up: the worktree and branch were removed afterwards.'
              : 'Discarded: the worktree and branch are gone; nothing to merge.'}
          </span>
        ) : previewLoading && preview === null ? (
          <span className="merge-line">
            <Spinner size={12} /> Predicting the merge…
          </span>
        ) : previewError !== null && preview === null ? (
          isUnavailable(previewErrorCode) ? (
            <span className="merge-line neutral">Merging is not available in this build yet.</span>
          ) : (
            <span className="merge-line danger">Could not predict the merge: {previewError}</span>
          )
        ) : stale && preview !== null ? (
          <>
            <span className="merge-line neutral" data-merge-headline data-out-of-date role="status">
              <Spinner size={12} /> Out of date — checking again…
            </span>
            <span className="merge-sub">
              <code>{preview.baseBranch ?? session.baseBranch ?? 'The base branch'}</code> or the session branch moved since this
              prediction.
            </span>
          </>
        ) : headline !== null && preview !== null ? (
          <>
            <span className={`merge-line ${headline.tone}`} data-merge-headline>
              <span className={`dot ${headline.tone}`} />
              {headline.text}
              {previewLoading && <Spinner size={10} />}
            </span>
            <span className="merge-sub">
              into <code>{preview.baseBranch ?? session.baseBranch ?? '?'}</code>
              {preview.message !== '' && headline.text !== preview.message ? ` — ${preview.message}` : ''}
            </span>
            {preview.conflicts.length > 0 && (
              <span className="merge-files danger" data-conflicts>
                Conflicts: {preview.conflicts.join(', ')}
                {onShowConflicts !== undefined && (
                  <button type="button" className="btn small" onClick={onShowConflicts}>
                    Show conflicts
                  </button>
                )}
                {onResolve !== undefined && session.baseBranch !== null && (
                  <button
                    type="button"
                    className="btn small"
                    onClick={onResolve}
                    disabled={why !== null || busy !== null || updating}
                    title={`Merge ${session.baseBranch} into the session and let the Coder write each conflicted file, then run the check`}
                  >
                    Ask the Coder to resolve
                  </button>
                )}
              </span>
            )}
            {preview.blockedBy.length > 0 && (
              <span className="merge-files warning" data-blocked-by>
                Uncommitted in your checkout: {preview.blockedBy.join(', ')}
                {onStashMerge !== undefined && preview.conflicts.length === 0 && (
                  <button
                    type="button"
                    className="btn small"
                    onClick={onStashMerge}
                    disabled={why !== null || busy !== null || stale}
                    title="Put those changes aside under a refs/factory/stash/ ref, merge, and put them back"
                  >
                    Stash and merge
                  </button>
                )}
              </span>
            )}
          </>
        ) : null}
        {outcome !== null && (
          <span className={`merge-outcome ${outcome.tone}`} role={outcome.tone === 'danger' ? 'alert' : 'status'} data-outcome>
            {outcome.text}
          </span>
        )}
        {pullRequest !== null && <PullRequestLine pr={pullRequest} />}
        {offerRemove && (
          <span className="merge-offer" data-remove-offer>
            The work is in {preview?.baseBranch ?? session.baseBranch ?? 'the base branch'} now. Remove the worktree and branch?
            <button type="button" className="btn small" onClick={onRemove}>
              Remove worktree and branch…
            </button>
            <button type="button" className="link-btn" onClick={onKeep}>
              Keep them
            </button>
          </span>
        )}
      </div>
      <div className="merge-actions">
        <label className="checkbox" title="One commit on the base branch (default), or a merge commit that keeps every step">
          <input type="checkbox" checked={squash} onChange={(e) => onSquash(e.target.checked)} disabled={busy !== null} />
          Squash
        </label>
        {onUpdate !== undefined && session.baseBranch !== null && (
          <button
            type="button"
            className="btn"
            onClick={onUpdate}
            disabled={why !== null || busy !== null || updating}
            title={why ?? `Merge ${session.baseBranch} into the session branch (predicted first; a conflict changes nothing)`}
          >
            {updating && <Spinner size={11} />}
            Update from {session.baseBranch}
          </button>
        )}
        <button
          type="button"
          className="btn"
          onClick={onDiscard}
          disabled={why !== null || busy !== null}
          title={why ?? 'Remove the worktree and branch (the work is archived)'}
        >
          {busy === 'discard' && <Spinner size={11} />}
          Discard…
        </button>
        {onPullRequest !== undefined && (
          <>
            <label className="checkbox" title="Open the pull request as a draft">
              <input type="checkbox" checked={draft} onChange={(e) => onDraft?.(e.target.checked)} disabled={creatingPr} />
              Draft
            </label>
            <button
              type="button"
              className="btn"
              onClick={onPullRequest}
              disabled={why !== null || busy !== null || creatingPr}
              title={why ?? 'Push the session branch (never forced, hooks off) and open a pull request'}
              data-create-pr
            >
              {creatingPr && <Spinner size={11} />}
              Create pull request…
            </button>
          </>
        )}
        <button
          type="button"
          className="btn primary"
          onClick={onMerge}
          disabled={!canMerge}
          title={why ?? (stale ? 'Out of date — checking again…' : (preview?.message ?? ''))}
        >
          {busy === 'merge' && <Spinner size={11} />}
          {squash ? 'Squash and merge…' : 'Merge…'}
        </button>
      </div>
    </div>
  );
}

/** The session's pull request: gh's number, state and checks, or the host's page handed to the user. */
function PullRequestLine({ pr }: { pr: NonNullable<SessionDetail['pullRequest']> }) {
  const checks = pr.checks;
  const checkText =
    checks === null
      ? ''
      : ` · checks: ${[
          checks.failing > 0 ? `${checks.failing} failing` : '',
          checks.pending > 0 ? `${checks.pending} pending` : '',
          checks.passing > 0 ? `${checks.passing} passing` : '',
        ]
          .filter((t) => t !== '')
          .join(', ')}`;
  const tone = checks !== null && checks.failing > 0 ? 'danger' : '';
  return (
    <span className={`merge-files ${tone}`} data-pull-request>
      {pr.via === 'gh' ? (
        <>
          Pull request {pr.number !== null ? `#${pr.number}` : ''} · {(pr.state ?? 'unknown').toLowerCase()}
          {pr.draft ? ' · draft' : ''}
          {checkText} —{' '}
        </>
      ) : (
        <>Pushed {pr.branch}; the pull request page: </>
      )}
      <a href={pr.url} target="_blank" rel="noreferrer">
        {pr.url}
      </a>
    </span>
  );
}
