import { useEffect, useRef } from 'react';
import { keyContext } from '../../hooks/use-key-context.js';
import { shortcuts, submitLabel } from '../../lib/shortcuts.js';
import { useUiStore } from '../../state/ui-store.js';

/** `?`: every keyboard shortcut, as this machine and front door take them. */
export function ShortcutSheet() {
  const open = useUiStore((s) => s.shortcutsOpen);
  const setOpen = useUiStore((s) => s.setShortcutsOpen);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) closeRef.current?.focus();
  }, [open]);
  if (!open) return null;
  const context = keyContext();
  const rows = [
    ...shortcuts(context).map((s) => ({ id: s.id, label: s.label, description: s.description })),
    { id: 'submit', label: submitLabel(context.mac), description: 'Start the session (in New session)' },
    { id: 'arrows', label: '↑ ↓', description: 'Move through the session list or the changed files' },
  ];
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && setOpen(false)}>
      <div className="dialog shortcut-sheet" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        {context.transport === 'web' && (
          <p className="dialog-note">
            In a browser, single keys stand in for ⌘/Ctrl chords the browser keeps for itself; they work when no text field has the focus.
          </p>
        )}
        <table className="shortcut-table">
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-shortcut={row.id}>
                <td>
                  <kbd className="kbd">{row.label}</kbd>
                </td>
                <td>{row.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="dialog-buttons">
          <button ref={closeRef} type="button" className="btn" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
