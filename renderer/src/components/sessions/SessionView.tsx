import { lazy, Suspense, useEffect, useState } from 'react';
import { api } from '../../state/api-instance.js';
import { useSessionDetailStore } from '../../state/session-detail-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useTranscriptStore } from '../../state/transcript-store.js';
import { useUiStore } from '../../state/ui-store.js';
import type { SessionTab } from '../../lib/route.js';
import { errorText } from '../../lib/api-errors.js';
import { plural } from '../../lib/display-format.js';
import { Banner } from '../common/Banner.js';
import { EmptyState } from '../common/EmptyState.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { TranscriptView } from '../transcript/TranscriptView.js';
import { RunPanel } from './RunPanel.js';
import { SessionActions } from './SessionActions.js';
import { SessionHeader } from './SessionHeader.js';
import { SiblingCompare } from './SiblingCompare.js';
import { canReply, ReplyComposer } from './ReplyComposer.js';
import { worktreeGone } from '../../lib/session-gone.js';

// Monaco is big: its chunk loads after start-up — fetched and warmed when the browser is idle once
// a session is open, so the first click on "Changes" waits neither for it nor for its first start.
const loadDiffReview = () => import('../diff/DiffReview.js');
const DiffReview = lazy(() => loadDiffReview().then((m) => ({ default: m.DiffReview })));

export function SessionView({
  id,
  tab,
  narrow = false,
  listShown = true,
  onToggleList,
}: {
  id: string;
  tab: SessionTab;
  /** One column: a back button leads to the list. */
  narrow?: boolean;
  listShown?: boolean;
  onToggleList?: () => void;
}) {
  const session = useSessionsStore((s) => s.byId[id]);
  const listLoaded = useSessionsStore((s) => s.loaded);
  const entry = useSessionDetailStore((s) => s.entries[id]);
  const loadDetail = useSessionDetailStore((s) => s.load);
  // The settled transcript: it changes when a block of the streaming reply closes, not per frame.
  const settled = useTranscriptStore((s) => s.settled[id]);
  const transcript = settled?.transcript;
  const follow = useTranscriptStore((s) => s.follow[id]);
  const navigate = useUiStore((s) => s.navigate);
  const confirm = useUiStore((s) => s.confirm);
  const toast = useUiStore((s) => s.toast);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void loadDetail(id);
  }, [id, loadDetail]);

  useEffect(() => {
    // Fetch the chunk and warm Monaco itself (worker, tokenizer, themes): the Changes tab can be next.
    const idle = window.requestIdleCallback?.(() => void loadDiffReview().then((m) => m.warmMonaco()), { timeout: 3000 });
    return () => {
      if (idle !== undefined) window.cancelIdleCallback(idle);
    };
  }, []);

  const info = session ?? entry?.detail?.session;
  if (info === undefined) {
    if (entry?.error != null)
      return <ErrorState title="Could not open the session" message={entry.error} onRetry={() => void loadDetail(id)} />;
    if (!listLoaded || entry?.loading !== false) return <LoadingState label="Loading the session…" />;
    return <EmptyState icon="sessions" title="No such session" message={`There is no session “${id}”.`} />;
  }

  const cancel = (): void =>
    confirm({
      title: 'Stop this session?',
      lines: [
        'The Coder stops at once; the worktree is left consistent (every applied step is committed).',
        'The session ends as “cancelled” and can be resumed later.',
      ],
      action: 'Stop session',
      destructive: true,
      onConfirm: async () => {
        setBusy(true);
        const answer = await api().request('sessions.cancel', { id });
        setBusy(false);
        if (!answer.ok) toast('danger', errorText(answer.error));
      },
    });
  const resume = async (): Promise<void> => {
    setBusy(true);
    const answer = await api().request('sessions.resume', { id });
    setBusy(false);
    if (answer.ok) useSessionsStore.getState().upsert(answer.data);
    else toast('danger', errorText(answer.error));
  };

  // "Continue from here": a new attempt series from the step the session was rolled back to.
  const continueFromHere = async (step: number): Promise<void> => {
    setBusy(true);
    const answer = await api().request('sessions.reply', {
      id,
      message: `Continue the task from this point (step ${step}; the later steps were rolled back). Make the check pass from here.`,
    });
    setBusy(false);
    if (answer.ok) {
      useSessionsStore.getState().upsert(answer.data);
      navigate({ view: 'sessions', session: id, tab: 'transcript' });
    } else toast('danger', errorText(answer.error));
  };

  const detail = entry?.detail ?? null;
  const changes = detail?.commits.length ?? 0;
  const back = (): void => navigate({ view: 'sessions', session: null, tab: 'transcript' });
  return (
    <div className="session-view">
      {narrow && (
        <button type="button" className="back-btn" onClick={back}>
          <span aria-hidden="true">‹</span> Sessions
        </button>
      )}
      <SessionHeader
        session={info}
        detail={detail}
        transcript={transcript}
        onCancel={cancel}
        onResume={() => void resume()}
        busy={busy}
        actions={<SessionActions session={info} />}
      />
      {info.rolledBackTo !== null && !info.live && !worktreeGone(info) && (
        <Banner
          tone="warning"
          action={
            <button type="button" className="btn small" onClick={() => void continueFromHere(info.rolledBackTo ?? 0)} disabled={busy}>
              Continue from here
            </button>
          }
        >
          <span data-rolled-back={info.rolledBackTo}>
            {info.rolledBackTo === 0
              ? 'Rolled back to the start — the branch has none of the session’s steps. Continue from here to run the Coder and the check again.'
              : `Rolled back to step ${info.rolledBackTo} — not checked. The code on the branch now has not passed the check; continue from here to run the Coder and the check again.`}
          </span>
        </Banner>
      )}
      {detail !== null && detail.uncommittedNotIncluded.length > 0 && (
        <Banner tone="info">
          {plural(detail.uncommittedNotIncluded.length, 'uncommitted change')} in your checkout{' '}
          {detail.uncommittedNotIncluded.length === 1 ? 'is' : 'are'} not in this session (it started from the last commit):{' '}
          <span className="mono">{detail.uncommittedNotIncluded.slice(0, 4).join(', ')}</span>
          {detail.uncommittedNotIncluded.length > 4 ? ` and ${detail.uncommittedNotIncluded.length - 4} more` : ''}
        </Banner>
      )}
      {info.group !== undefined && <SiblingCompare session={info} />}
      <RunPanel session={info} />
      <div className="tabs-row">
        <div className="tabs" role="tablist" aria-label="Session">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'transcript'}
            className={tab === 'transcript' ? 'on' : ''}
            onClick={() => navigate({ view: 'sessions', session: id, tab: 'transcript' })}
          >
            Transcript
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'diff'}
            className={tab === 'diff' ? 'on' : ''}
            onClick={() => navigate({ view: 'sessions', session: id, tab: 'diff' })}
          >
            Changes &amp; merge
            {changes > 0 && (
              <span className="tab-count" title={`${changes} step${changes === 1 ? '' : 's'} committed`}>
                {changes}
              </span>
            )}
          </button>
        </div>
        {!narrow && onToggleList !== undefined && (
          <button
            type="button"
            className="link-btn list-toggle"
            onClick={onToggleList}
            aria-pressed={listShown}
            aria-controls={listShown ? 'session-list-pane' : undefined}
          >
            {listShown ? 'Hide session list' : 'Show session list'}
          </button>
        )}
      </div>
      <div className="session-body">
        {tab === 'transcript' ? (
          follow?.state === 'error' ? (
            <ErrorState title="Could not load the transcript" message={follow.error} />
          ) : transcript === undefined || transcript.items.length === 0 ? (
            follow === undefined || follow.state === 'loading' ? (
              <LoadingState label="Loading the transcript…" />
            ) : (
              <EmptyState icon="sessions" title="Nothing yet" message="The transcript appears here as soon as the Coder starts." />
            )
          ) : (
            <TranscriptView transcript={transcript} tail={settled?.tail ?? null} />
          )
        ) : (
          <Suspense fallback={<LoadingState label="Loading the diff viewer…" />}>
            <DiffReview session={info} detail={detail} />
          </Suspense>
        )}
      </div>
      {tab === 'transcript' && canReply(info) && <ReplyComposer session={info} />}
    </div>
  );
}
