import { useEffect, useRef, useState } from 'react';
import { useUiStore } from '../../state/ui-store.js';
import { Spinner } from './Spinner.js';

/**
 * The confirmation before anything that moves a branch or removes a folder. It states exactly what
 * will happen (the sentences come from lib/merge-summary.ts); Escape or Cancel backs out.
 */
export function ConfirmDialog() {
  const confirmation = useUiStore((s) => s.confirmation);
  const dismiss = useUiStore((s) => s.dismissConfirmation);
  const [running, setRunning] = useState(false);
  const [edited, setEdited] = useState('');
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirmation === null) return;
    setRunning(false);
    setEdited(confirmation.edit?.initial ?? '');
    // Destructive actions start on Cancel, so Return does not discard by accident.
    (confirmation.destructive ? cancelRef : confirmRef).current?.focus();
  }, [confirmation]);

  if (confirmation === null) return null;
  const run = async (): Promise<void> => {
    setRunning(true);
    try {
      await confirmation.onConfirm(confirmation.edit !== undefined ? edited : undefined);
    } finally {
      setRunning(false);
      dismiss();
    }
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !running && dismiss()}>
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape' && !running) {
            e.stopPropagation();
            dismiss();
          }
        }}
      >
        <h2 id="confirm-title">{confirmation.title}</h2>
        <ul className="confirm-lines">
          {confirmation.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        {confirmation.edit !== undefined && (
          <div className="field">
            <label htmlFor="confirm-edit" className="field-label">
              {confirmation.edit.label}
            </label>
            <textarea
              id="confirm-edit"
              className="input mono confirm-edit"
              rows={8}
              value={edited}
              onChange={(e) => setEdited(e.target.value)}
              disabled={running}
              spellCheck
            />
            {confirmation.edit.hint !== undefined && <div className="field-hint">{confirmation.edit.hint}</div>}
          </div>
        )}
        <div className="dialog-buttons">
          <button ref={cancelRef} type="button" className="btn" onClick={dismiss} disabled={running}>
            Cancel
          </button>
          <button
            ref={confirmRef}
            type="button"
            className={`btn ${confirmation.destructive ? 'danger' : 'primary'}`}
            onClick={() => void run()}
            disabled={running || (confirmation.edit !== undefined && edited.trim() === '')}
          >
            {running && <Spinner size={12} />}
            {confirmation.action}
          </button>
        </div>
      </div>
    </div>
  );
}
