import { useEffect, useRef, useState } from 'react';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { errorText } from '../../lib/api-errors.js';
import { api } from '../../state/api-instance.js';
import { useCleanupStore } from '../../state/cleanup-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { worktreeGone } from '../../lib/session-gone.js';
import { RunScriptButton } from './RunPanel.js';

const TARGETS = [
  { id: 'editor', label: 'Editor' },
  { id: 'terminal', label: 'Terminal' },
  { id: 'files', label: 'File manager' },
] as const;

/**
 * The open session's other actions: open its worktree in the editor, a terminal or the file
 * manager (the host starts them, on the folder it recorded), and archive (hide) or bring back.
 */
export function SessionActions({ session }: { session: SessionInfo }) {
  const [open, setOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  const toast = useUiStore((s) => s.toast);
  const archive = useCleanupStore((s) => s.archive);
  const gone = worktreeGone(session);

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const close = (event: MouseEvent): void => {
      if (menuRef.current !== null && !menuRef.current.parentElement?.contains(event.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, [open]);

  const openIn = async (target: (typeof TARGETS)[number]['id']): Promise<void> => {
    setOpen(false);
    const answer = await api().request('sessions.openIn', { id: session.id, target });
    if (answer.ok) toast('info', `Opened the worktree in ${answer.data.program}.`);
    else toast('danger', errorText(answer.error));
  };

  return (
    <div className="session-actions">
      <RunScriptButton session={session} />
      <div className="menu-anchor">
        <button
          type="button"
          className="btn small"
          aria-expanded={open}
          aria-controls={open ? `open-in-${session.id}` : undefined}
          onClick={() => setOpen(!open)}
          disabled={gone}
          title={gone ? 'The worktree was removed' : `Open ${session.worktree}`}
        >
          Open in…
        </button>
        {open && (
          <div
            className="menu"
            id={`open-in-${session.id}`}
            ref={menuRef}
            role="group"
            aria-label="Open the worktree in"
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.stopPropagation();
                setOpen(false);
              }
            }}
          >
            {TARGETS.map((t) => (
              <button key={t.id} type="button" className="menu-item" onClick={() => void openIn(t.id)} data-open-target={t.id}>
                {t.label}
              </button>
            ))}
          </div>
        )}
      </div>
      {!session.live && (
        <button
          type="button"
          className="btn small"
          onClick={() => void archive([session.id], !session.archived)}
          title={session.archived ? 'Show it in the list again' : 'Hide it from the list; nothing is deleted'}
        >
          {session.archived ? 'Unarchive' : 'Archive'}
        </button>
      )}
    </div>
  );
}
