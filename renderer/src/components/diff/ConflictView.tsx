import type { ConflictViewData } from '../../../../src/api/payloads.js';

/**
 * Why a merge or an update from the base would conflict: each file with its hunks in plain labelled
 * sections — one side, the common base, the other side — never git's markers; "Open in editor" per
 * file, beside "Ask the Coder to resolve".
 */
export function ConflictView({
  view,
  onOpen,
  onResolve,
  onClose,
}: {
  view: ConflictViewData;
  onOpen: (file: string) => void;
  onResolve?: (() => void) | undefined;
  onClose: () => void;
}) {
  const what = view.direction === 'merge' ? `Merging into ${view.ours}` : `Updating from ${view.theirs}`;
  return (
    <section className="conflict-view" aria-label="Conflicts" data-conflict-view={view.direction}>
      <header className="conflict-view-head">
        <strong>
          {what} would conflict in {view.files.length} file{view.files.length === 1 ? '' : 's'}
        </strong>
        {onResolve !== undefined && (
          <button type="button" className="btn small" onClick={onResolve}>
            Ask the Coder to resolve
          </button>
        )}
        <button type="button" className="link-btn" onClick={onClose}>
          Close
        </button>
      </header>
      {view.files.map((file) => (
        <div key={file.path} className="conflict-file" data-conflict-file={file.path}>
          <div className="conflict-file-head">
            <code>{file.path}</code>
            {file.kinds.length > 0 && <span className="merge-sub"> {file.kinds.join(', ')}</span>}
            <button type="button" className="btn small" onClick={() => onOpen(file.path)}>
              Open in editor
            </button>
          </div>
          {file.hunks.length === 0 && <p className="merge-sub">Not a conflict of lines (see the kind above).</p>}
          {file.hunks.map((hunk) => (
            <div key={hunk.line} className="conflict-hunk" data-conflict-hunk={hunk.line}>
              <Side label={view.ours} lines={hunk.ours} side="ours" line={hunk.line} />
              {hunk.base !== null && <Side label="Common base" lines={hunk.base} side="base" line={hunk.line} />}
              <Side label={view.theirs} lines={hunk.theirs} side="theirs" line={hunk.line} />
            </div>
          ))}
        </div>
      ))}
    </section>
  );
}

function Side({ label, lines, side, line }: { label: string; lines: readonly string[]; side: string; line: number }) {
  return (
    <div className={`conflict-side ${side}`} data-side={side}>
      <div className="conflict-side-label">
        {label} <span className="merge-sub">· line {line}</span>
      </div>
      <pre>{lines.length === 0 ? '(nothing)' : lines.join('\n')}</pre>
    </div>
  );
}
