import { useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SessionDetail, SessionInfo } from '../../../../src/api/payloads.js';
import { defaultMergeMessage } from '../../lib/merge-message.js';
import {
  describeDiscard,
  describeMerge,
  describePullRequest,
  describeRestore,
  describeRollback,
  describeStashMerge,
} from '../../lib/merge-summary.js';
import { formatBytes, shortSha } from '../../lib/display-format.js';
import { useElementWidth } from '../../hooks/use-element-width.js';
import { NARROW_QUERY, useMediaQuery } from '../../hooks/use-media-query.js';
import { diffLayout, MIN_SIDE_PX } from '../../lib/diff-layout.js';
import { isPreviewStale, onPairPrefetched, useDiffStore } from '../../state/diff-store.js';
import { prepareDiff } from '../../monaco/prepare-diff.js';
import { DIFF_SIDE_WIDTH, useLayoutStore } from '../../state/layout-store.js';
import { onSessionChanged } from '../../state/session-changes.js';
import { useSessionDetailStore } from '../../state/session-detail-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { api } from '../../state/api-instance.js';
import { errorText } from '../../lib/api-errors.js';
import type { ConflictViewData, DiffHunkInfo } from '../../../../src/api/payloads.js';
import { EmptyState } from '../common/EmptyState.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { Segmented } from '../common/Segmented.js';
import { Splitter } from '../common/Splitter.js';
import { ChangedFiles } from './ChangedFiles.js';
import { CommitTimeline } from './CommitTimeline.js';
import { ConflictView } from './ConflictView.js';
import { FileReviewBar } from './FileReviewBar.js';
import { MergePanel } from './MergePanel.js';
import { MonacoDiff, type LineRange } from './MonacoDiff.js';
import { CommentForm, ReviewComments } from './ReviewComments.js';
import { goneReason, worktreeGone } from '../../lib/session-gone.js';

/** Review and take: files, Monaco's diff, the commit timeline with rollback, and merge/discard. */
// In this lazy chunk with Monaco: the session view warms Monaco through it without loading Monaco up front.
export { warmMonaco } from '../../monaco/warm-monaco.js';

export function DiffReview({ session, detail }: { session: SessionInfo; detail: SessionDetail | null }) {
  const store = useDiffStore(
    useShallow((s) => ({
      commit: s.commit,
      diff: s.diff,
      selected: s.selected,
      pair: s.pair,
      mode: s.mode,
      squash: s.squash,
      preview: s.preview,
      stale: isPreviewStale(s),
      checkout: s.checkout,
      busy: s.busy,
      outcome: s.outcome,
      offerRemove: s.offerRemove,
    })),
  );
  const actions = useDiffStore.getState();
  /** Lines selected on the "after" side, and the range a comment is being written on. */
  const [selection, setSelection] = useState<LineRange | null>(null);
  const [commenting, setCommenting] = useState<LineRange | null>(null);
  const allComments = detail?.comments;
  const commented = useMemo(
    () => (store.commit !== null ? [] : (allComments ?? []).filter((c) => c.file === store.selected)),
    [allComments, store.selected, store.commit],
  );
  useEffect(() => {
    setSelection(null);
    setCommenting(null);
  }, [store.selected, store.commit]);
  const confirm = useUiStore((s) => s.confirm);
  const id = session.id;
  const narrow = useMediaQuery(NARROW_QUERY);
  const sideWidth = useLayoutStore((s) => s.diffSideWidth);
  const setSideWidth = useLayoutStore((s) => s.setDiffSideWidth);
  // Side by side only while each side gets MIN_SIDE_PX (lib/diff-layout.ts); the toggle keeps the choice.
  const mainRef = useRef<HTMLDivElement>(null);
  const paneWidth = useElementWidth(mainRef);
  const layout = diffLayout(store.mode, paneWidth);
  const mode = layout.mode;
  // The full-height diff: the diff pane over the whole window (a narrow window leaves it a strip
  // between the file list and the merge bar). Escape, or the button, brings the review back.
  const [full, setFull] = useState(false);
  useEffect(() => {
    if (!full) return;
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape') return;
      // Before the window's shortcuts, whose Escape would close the session behind it.
      event.stopPropagation();
      event.preventDefault();
      setFull(false);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [full]);
  useEffect(() => setFull(false), [id]);
  // A file fetched ahead (hovered, or next to the one shown) gets its Monaco models and worker copy
  // made in idle time too: choosing it then only attaches them.
  useEffect(() => onPairPrefetched(prepareDiff), []);

  useEffect(() => {
    const diff = useDiffStore.getState();
    diff.open(id);
    void diff.loadCheckout(session.repo);
    // New commits, a rollback or a merge change what there is to review.
    return onSessionChanged((changed, types) => {
      if (changed !== id) return;
      void useDiffStore.getState().loadDiff();
      if (!types.has('discard')) void useDiffStore.getState().loadPreview();
    });
  }, [id, session.repo]);

  // On opening, and whenever the list row says the head moved (a step committed while watching).
  // A discarded or cleaned-up session has no branch to merge: no prediction is asked for (or shown).
  const gone = worktreeGone(session);
  useEffect(() => {
    void useDiffStore.getState().loadDiff();
    if (!gone) void useDiffStore.getState().loadPreview();
  }, [id, session.headCommit, gone]);

  const refreshAfterAction = (): void => {
    void useSessionDetailStore.getState().load(id);
    void useSessionsStore.getState().load();
  };

  const liveReason = session.live ? 'Stop the session (or let it finish) before rolling back.' : goneReason(session);

  const rollback = (step: number, sha: string | null): void => {
    const commits = detail?.commits ?? [];
    const headIndex = commits.findIndex((c) => c.sha === session.headCommit);
    const current = headIndex >= 0 ? headIndex + 1 : commits.length;
    confirm({
      ...describeRollback(session, step, sha, Math.max(0, current - step)),
      onConfirm: async () => {
        await actions.rollback(step);
        refreshAfterAction();
      },
    });
  };
  const restore = (step: number, sha: string): void => {
    confirm({
      ...describeRestore(session, step, sha),
      onConfirm: async () => {
        await actions.rollback(step, 'restore');
        refreshAfterAction();
      },
    });
  };
  const [updating, setUpdating] = useState(false);
  const toast = useUiStore((s) => s.toast);
  const [conflictView, setConflictView] = useState<ConflictViewData | null>(null);
  const showConflicts = async (direction: 'merge' | 'update'): Promise<void> => {
    const answer = await api().request('sessions.conflicts', { id, direction });
    if (answer.ok) setConflictView(answer.data.files.length > 0 ? answer.data : null);
    else toast('danger', errorText(answer.error));
  };
  const openConflicted = async (file: string): Promise<void> => {
    const answer = await api().request('sessions.openIn', { id, target: 'editor', file });
    if (answer.ok) toast('info', `Opened ${file} (${answer.data.command}).`);
    else toast('danger', errorText(answer.error));
  };
  const update = async (): Promise<void> => {
    setUpdating(true);
    const answer = await api().request('sessions.updateFromBase', { id });
    setUpdating(false);
    if (answer.ok) toast(answer.data.updated ? 'success' : 'info', answer.data.message);
    else if (answer.error.code === 'MERGE_CONFLICTS') void showConflicts('update');
    else toast('danger', errorText(answer.error));
    refreshAfterAction();
    void useDiffStore.getState().loadDiff();
    void useDiffStore.getState().loadPreview();
  };
  const resolve = async (): Promise<void> => {
    setUpdating(true);
    const answer = await api().request('sessions.resolveWithCoder', { id });
    setUpdating(false);
    if (answer.ok) {
      useSessionsStore.getState().upsert(answer.data);
      useUiStore.getState().navigate({ view: 'sessions', session: id, tab: 'transcript' });
    } else toast('danger', errorText(answer.error));
  };
  const [draft, setDraft] = useState(false);
  const [creatingPr, setCreatingPr] = useState(false);
  const pullRequest = (): void =>
    confirm({
      ...describePullRequest(session, draft),
      onConfirm: async () => {
        setCreatingPr(true);
        const answer = await api().request('sessions.pullRequest', { id, draft });
        setCreatingPr(false);
        if (answer.ok) {
          toast('success', answer.data.message);
          // The host's page is where the user finishes the request (the main process opens https links in the browser).
          if (answer.data.via === 'compare' && answer.data.url !== null) window.open(answer.data.url, '_blank', 'noreferrer');
        } else toast('danger', errorText(answer.error));
        refreshAfterAction();
      },
    });
  const merge = (): void => {
    if (store.preview.value === null) return;
    confirm({
      ...describeMerge(session, store.preview.value, store.squash, store.checkout),
      edit: { label: 'Commit message', initial: defaultMergeMessage(session, detail), hint: 'The first line is the subject; edit freely.' },
      onConfirm: async (message) => {
        await actions.merge(message);
        refreshAfterAction();
      },
    });
  };
  const [reverting, setReverting] = useState(false);
  /** Revert a hunk (or the whole file, hunk null) to the base: a new step; the diff and the timeline follow. */
  const revert = async (path: string, hunk: DiffHunkInfo | null): Promise<void> => {
    setReverting(true);
    const answer = await api().request('sessions.revert', { id, path, hunk });
    setReverting(false);
    if (answer.ok) toast('success', `${answer.data.label} (step ${answer.data.step}). Roll back to the step before it to undo.`);
    else toast('danger', errorText(answer.error));
    refreshAfterAction();
    void useDiffStore.getState().loadDiff();
  };
  const isViewedNow = (path: string): boolean => {
    const blob = files.find((f) => f.path === path)?.blob;
    return blob !== undefined && detail?.viewed[path] === blob;
  };
  const markViewed = async (path: string, viewed: boolean): Promise<void> => {
    const answer = await api().request('sessions.markViewed', { id, path, viewed });
    if (answer.ok) void useSessionDetailStore.getState().load(id);
    else toast('danger', errorText(answer.error));
  };
  const stashMerge = (): void => {
    const preview = store.preview.value;
    if (preview === null) return;
    confirm({
      ...describeStashMerge(session, preview),
      onConfirm: async () => {
        await actions.merge(undefined, true);
        refreshAfterAction();
      },
    });
  };
  const removeAfterMerge = (): void =>
    confirm({
      ...describeDiscard(session),
      title: 'Remove the worktree and branch?',
      action: 'Remove',
      onConfirm: async () => {
        await actions.discard('cleanup');
        refreshAfterAction();
      },
    });
  const discard = (): void =>
    confirm({
      ...describeDiscard(session),
      onConfirm: async () => {
        await actions.discard();
        refreshAfterAction();
      },
    });

  const files = store.diff.value?.files ?? [];
  // A moved file says where it came from, as its diff is against that path at the base.
  const renamedFrom = files.find((f) => f.path === store.selected)?.oldPath ?? null;
  // Comments are on the files as the branch has them now: on "All changes", not on one step's diff.
  const canComment = store.commit === null && store.selected !== null && !worktreeGone(session);
  const pair = store.pair.value;
  let main;
  if (store.diff.value === null && store.diff.error !== null)
    main = (
      <ErrorState
        title="Could not load the changes"
        message={store.diff.error}
        code={store.diff.errorCode}
        onRetry={() => void actions.loadDiff()}
      />
    );
  else if (store.diff.value === null) main = <LoadingState label="Loading the changes…" />;
  else if (files.length === 0)
    main = (
      <EmptyState
        icon="check"
        title={store.commit === null ? 'No changes yet' : 'This step changed nothing'}
        message={store.commit === null ? 'The session has not committed anything since its base.' : undefined}
      />
    );
  else if (store.pair.error !== null)
    main = (
      <ErrorState
        title="Could not open the file"
        message={store.pair.error}
        code={store.pair.errorCode}
        onRetry={() => store.selected !== null && actions.select(store.selected)}
      />
    );
  else if (pair === null) main = <LoadingState label="Opening the file…" />;
  else if (pair.left.binary || pair.right.binary) main = <EmptyState title="Binary file" message="There is no text to compare." />;
  else if (pair.left.tooLarge || pair.right.tooLarge)
    main = (
      <EmptyState
        title="File too large to show"
        message={`${formatBytes(Math.max(pair.left.size, pair.right.size))} — open it in your editor from the worktree.`}
      />
    );
  else
    // One editor for every file: the previous file stays on screen until the next one arrives.
    main = (
      <>
        <MonacoDiff pair={pair} mode={mode} onSelectLines={setSelection} commented={commented} />
        {(store.pair.loading || pair.path !== store.selected) && (
          <div className="diff-loading">
            <LoadingState label="Opening the file…" compact />
          </div>
        )}
      </>
    );

  return (
    <div className="diff-review" data-narrow={narrow} data-full={full} style={{ '--diff-side-width': `${sideWidth}px` } as CSSProperties}>
      <aside className="diff-side" id="diff-side-pane" aria-label="Changed files and steps">
        {store.diff.value !== null && files.length > 0 && (
          <ChangedFiles
            files={files}
            selected={store.selected}
            onSelect={(path) => actions.select(path)}
            onPrefetch={(path) => actions.prefetch(path)}
            viewed={store.commit === null ? (detail?.viewed ?? {}) : undefined}
          />
        )}
        {detail !== null && <ReviewComments session={session} comments={detail.comments} onShow={(path) => actions.select(path)} />}
        {detail !== null && (
          <CommitTimeline
            session={session}
            commits={detail.commits}
            dropped={detail.dropped}
            onRestore={restore}
            selectedCommit={store.commit}
            onShow={(sha) => actions.setCommit(sha)}
            onRollback={rollback}
            disabledReason={liveReason ?? (store.busy !== null ? 'Busy…' : null)}
          />
        )}
      </aside>
      {!narrow && (
        <Splitter
          label="File list width"
          value={sideWidth}
          min={DIFF_SIDE_WIDTH.min}
          max={DIFF_SIDE_WIDTH.max}
          onChange={setSideWidth}
          controls="diff-side-pane"
        />
      )}
      <div
        className="diff-main"
        ref={mainRef}
        role={full ? 'dialog' : undefined}
        aria-modal={full ? true : undefined}
        aria-label={full ? `Diff of ${store.selected ?? 'the changes'}` : undefined}
      >
        <div className="diff-toolbar">
          <span className="diff-path" title={renamedFrom === null ? (store.selected ?? '') : `${renamedFrom} → ${store.selected ?? ''}`}>
            {renamedFrom !== null && <span className="diff-renamed-from">{renamedFrom} → </span>}
            {store.selected ?? ''}
            {store.commit !== null && (
              <span className="diff-scope">
                {' '}
                in step {detail?.commits.find((c) => c.sha === store.commit)?.step ?? shortSha(store.commit)}
              </span>
            )}
          </span>
          <div className="spacer" />
          {canComment && (
            <button
              type="button"
              className="btn small"
              disabled={selection === null || commenting !== null}
              onClick={() => selection !== null && setCommenting(selection)}
              title="Select lines on the right-hand side, then comment on them"
            >
              {selection === null
                ? 'Comment…'
                : `Comment on ${selection.startLine === selection.endLine ? `line ${selection.startLine}` : `lines ${selection.startLine}–${selection.endLine}`}…`}
            </button>
          )}
          {layout.autoInline && paneWidth > 0 && (
            <span
              className="diff-layout-note"
              data-auto-inline
              title={`Side by side needs ${MIN_SIDE_PX} px a side; this pane is ${Math.round(paneWidth)} px wide. Widen the window, narrow the file list, or use the full-height diff.`}
            >
              {narrow ? 'Inline' : 'Inline (too narrow)'}
            </span>
          )}
          {!narrow && (
            <Segmented
              label="Diff layout"
              options={[
                { id: 'side-by-side', label: 'Side by side' },
                { id: 'inline', label: 'Inline' },
              ]}
              value={store.mode}
              onChange={(next) => actions.setMode(next)}
            />
          )}
          <button
            type="button"
            className="btn small diff-full-toggle"
            aria-pressed={full}
            title={full ? 'Back to the review (Esc)' : 'Show the diff over the whole window'}
            onClick={() => setFull((on) => !on)}
          >
            {full ? 'Exit full height' : 'Full height'}
          </button>
        </div>
        {commenting !== null && store.selected !== null && (
          <CommentForm session={session} file={store.selected} range={commenting} onDone={() => setCommenting(null)} />
        )}
        {store.commit === null && pair !== null && pair.hunks !== undefined && pair.path === store.selected && !worktreeGone(session) && (
          <FileReviewBar
            path={pair.path}
            hunks={pair.hunks}
            busy={reverting}
            disabledReason={session.live ? 'Stop the session (or let it finish) before reverting.' : null}
            onRevert={(hunk) => void revert(pair.path, hunk)}
            viewed={isViewedNow(pair.path)}
            onViewed={(v) => void markViewed(pair.path, v)}
          />
        )}
        <div className="diff-editor">{main}</div>
      </div>
      {conflictView !== null && (
        <ConflictView
          view={conflictView}
          onOpen={(file) => void openConflicted(file)}
          onResolve={session.baseBranch !== null && !session.live ? () => void resolve() : undefined}
          onClose={() => setConflictView(null)}
        />
      )}
      <MergePanel
        session={session}
        preview={store.preview.value}
        previewLoading={store.preview.loading}
        previewError={store.preview.error}
        previewErrorCode={store.preview.errorCode}
        stale={store.stale}
        squash={store.squash}
        onSquash={(v) => actions.setSquash(v)}
        onMerge={merge}
        onDiscard={discard}
        busy={store.busy}
        outcome={store.outcome}
        offerRemove={store.offerRemove && session.state === 'merged'}
        onRemove={removeAfterMerge}
        onKeep={() => actions.dismissRemoveOffer()}
        onUpdate={() => void update()}
        updating={updating}
        onResolve={() => void resolve()}
        onPullRequest={pullRequest}
        onShowConflicts={() => void showConflicts('merge')}
        onStashMerge={stashMerge}
        pullRequest={detail?.pullRequest ?? null}
        draft={draft}
        onDraft={setDraft}
        creatingPr={creatingPr}
      />
    </div>
  );
}
