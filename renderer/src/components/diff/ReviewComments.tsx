import { useId, useState } from 'react';
import type { ReviewCommentInfo, SessionInfo } from '../../../../src/api/payloads.js';
import { errorText } from '../../lib/api-errors.js';
import { plural } from '../../lib/display-format.js';
import { api } from '../../state/api-instance.js';
import { useSessionDetailStore } from '../../state/session-detail-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useUiStore } from '../../state/ui-store.js';
import type { LineRange } from './MonacoDiff.js';
import { goneReason } from '../../lib/session-gone.js';

const linesLabel = (r: LineRange): string => (r.startLine === r.endLine ? `line ${r.startLine}` : `lines ${r.startLine}–${r.endLine}`);

/** Writing a comment on the selected lines of the file on screen. */
export function CommentForm({
  session,
  file,
  range,
  onDone,
}: {
  session: SessionInfo;
  file: string;
  range: LineRange;
  onDone: () => void;
}) {
  const [text, setText] = useState('');
  const [saving, setSaving] = useState(false);
  const toast = useUiStore((s) => s.toast);
  const id = useId();
  const save = async (): Promise<void> => {
    if (text.trim() === '' || saving) return;
    setSaving(true);
    const answer = await api().request('sessions.comment', {
      id: session.id,
      file,
      startLine: range.startLine,
      endLine: range.endLine,
      text: text.trim(),
    });
    setSaving(false);
    if (!answer.ok) {
      toast('danger', errorText(answer.error));
      return;
    }
    void useSessionDetailStore.getState().load(session.id);
    onDone();
  };
  return (
    <form
      className="comment-form"
      aria-label="New review comment"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor={id} className="comment-form-label">
        Comment on <span className="mono">{file}</span>, {linesLabel(range)}
      </label>
      <textarea
        id={id}
        className="input textarea"
        rows={2}
        value={text}
        onChange={(e) => setText(e.target.value)}
        disabled={saving}
        maxLength={4000}
        autoFocus
      />
      <div className="comment-form-actions">
        <button type="button" className="btn small" onClick={onDone} disabled={saving}>
          Cancel
        </button>
        <button type="submit" className="btn small primary" disabled={saving || text.trim() === ''}>
          Add comment
        </button>
      </div>
    </form>
  );
}

const STATE_LABEL: Record<ReviewCommentInfo['state'], string> = { open: 'open', sent: 'sent to the Coder', resolved: 'resolved' };

/** The session's review comments; "Request changes" sends the open ones to the Coder. */
export function ReviewComments({
  session,
  comments,
  onShow,
}: {
  session: SessionInfo;
  comments: readonly ReviewCommentInfo[];
  onShow: (file: string) => void;
}) {
  const [sending, setSending] = useState(false);
  const toast = useUiStore((s) => s.toast);
  const open = comments.filter((c) => c.state === 'open');
  if (comments.length === 0) return null;
  const request = async (): Promise<void> => {
    setSending(true);
    const answer = await api().request('sessions.requestChanges', { id: session.id });
    setSending(false);
    if (answer.ok) {
      useSessionsStore.getState().upsert(answer.data);
      void useSessionDetailStore.getState().load(session.id);
    } else toast('danger', errorText(answer.error));
  };
  const blocked = session.live ? 'Wait for the session to stop.' : goneReason(session);
  return (
    <section className="panel-section review-comments" aria-label="Review comments">
      <div className="section-title">
        <span>Comments</span>
        <span className="section-meta">{open.length > 0 ? `${open.length} open` : plural(comments.length, 'comment')}</span>
      </div>
      <ul className="comment-list">
        {comments.map((c) => (
          <li key={c.id} className={`comment-item ${c.state}`} data-comment-state={c.state}>
            <button type="button" className="comment-where link-btn" onClick={() => onShow(c.file)}>
              {c.file}, {linesLabel(c)}
            </button>
            <span className="comment-text">{c.text}</span>
            <span className={`comment-state ${c.state}`}>
              {STATE_LABEL[c.state]}
              {c.series !== null && c.state !== 'open' ? ` · series ${c.series}` : ''}
            </span>
          </li>
        ))}
      </ul>
      {open.length > 0 && (
        <button
          type="button"
          className="btn small primary request-changes"
          onClick={() => void request()}
          disabled={sending || blocked !== null}
          title={blocked ?? 'Send the open comments to the Coder as the next instruction'}
        >
          {sending ? 'Sending…' : `Request changes (${open.length})`}
        </button>
      )}
    </section>
  );
}
