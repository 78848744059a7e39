import { useId, useState } from 'react';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { keyContext } from '../../hooks/use-key-context.js';
import { errorText } from '../../lib/api-errors.js';
import { api } from '../../state/api-instance.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { canContinue } from '../../lib/session-gone.js';

/** Sessions the user can talk back to: any that is not running and still has its worktree and branch. */
export function canReply(session: SessionInfo): boolean {
  return !session.live && session.state !== 'running' && canContinue(session);
}

/**
 * Talk back: a follow-up instruction for a session that is not running. The Coder continues in the
 * same worktree and branch as a new attempt series (its own attempts and token budget).
 */
export function ReplyComposer({ session }: { session: SessionInfo }) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const toast = useUiStore((s) => s.toast);
  const id = useId();
  const mac = keyContext().mac;
  const send = async (): Promise<void> => {
    const message = text.trim();
    if (message === '' || sending) return;
    setSending(true);
    const answer = await api().request('sessions.reply', { id: session.id, message });
    setSending(false);
    if (answer.ok) {
      setText('');
      useSessionsStore.getState().upsert(answer.data);
    } else toast('danger', errorText(answer.error));
  };
  return (
    <form
      className="reply-composer"
      aria-label="Reply to the Coder"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label htmlFor={id} className="reply-label">
        Reply to the Coder <span className="muted">— continues in the same worktree as attempt series {session.series + 1}</span>
      </label>
      <div className="reply-row">
        <textarea
          id={id}
          className="input textarea reply-input"
          rows={2}
          value={text}
          placeholder="e.g. Also handle empty input, and add a test for it."
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (mac ? e.metaKey : e.ctrlKey)) {
              e.preventDefault();
              void send();
            }
          }}
          disabled={sending}
          maxLength={20_000}
        />
        <button type="submit" className="btn primary" disabled={sending || text.trim() === ''} title={`Send (${mac ? '⌘' : 'Ctrl+'}Enter)`}>
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
