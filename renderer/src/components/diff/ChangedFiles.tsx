import type { FileChange } from '../../../../src/api/payloads.js';
import { diffstatBoxes, statusLetter, summarizeChanges } from '../../lib/diff-stats.js';
import { useListKeys } from '../../hooks/use-list-keys.js';

/** The changed files with their status letter and a +/− diffstat; ↑/↓ move between them. */
export function ChangedFiles({
  files,
  selected,
  onSelect,
  onPrefetch,
  viewed,
}: {
  files: readonly FileChange[];
  selected: string | null;
  onSelect: (path: string) => void;
  /** The pointer is on a row: its file is likely next (fetched ahead). */
  onPrefetch?: (path: string) => void;
  /**
   * "Viewed" marks (file → blob when marked; toggled above the file's diff); absent for one step's diff,
   * which is not reviewed file by file. A mark counts while the file's blob is the one marked.
   */
  viewed?: Readonly<Record<string, string>> | undefined;
}) {
  const summary = summarizeChanges(files);
  const isViewed = (f: FileChange): boolean => viewed !== undefined && f.blob !== undefined && viewed[f.path] === f.blob;
  const viewedCount = files.filter(isViewed).length;
  const index = files.findIndex((f) => f.path === selected);
  const onKeyDown = useListKeys(
    files,
    index,
    (f) => onSelect(f.path),
    (i) => `file-row-${i}`,
  );
  return (
    <section className="panel-section">
      <div className="section-title">
        <span>Changed files</span>
        {viewed !== undefined && (
          <span className="section-meta viewed-count" data-viewed-count={viewedCount}>
            {viewedCount} of {files.length} viewed
          </span>
        )}
        <span className="section-meta">
          <span className="add">+{summary.additions}</span> <span className="del">−{summary.deletions}</span>
        </span>
      </div>
      <div
        className="file-rows"
        role="listbox"
        aria-label="Changed files"
        tabIndex={0}
        onKeyDown={onKeyDown}
        aria-activedescendant={index >= 0 ? `file-row-${index}` : undefined}
      >
        {files.map((file, i) => {
          const boxes = diffstatBoxes(file.additions, file.deletions);
          const slash = file.path.lastIndexOf('/');
          return (
            <div
              key={file.path}
              id={`file-row-${i}`}
              role="option"
              aria-selected={file.path === selected}
              className={`file-row${file.path === selected ? ' selected' : ''}${isViewed(file) ? ' viewed' : ''}`}
              onClick={() => onSelect(file.path)}
              onPointerEnter={onPrefetch !== undefined && !file.binary ? () => onPrefetch(file.path) : undefined}
              title={file.oldPath !== null ? `${file.oldPath} → ${file.path}` : file.path}
              data-path={file.path}
              data-viewed={isViewed(file)}
            >
              <span className={`file-status ${file.status}`}>{statusLetter(file.status)}</span>
              <span className="file-name">
                <span className="file-base">{file.path.slice(slash + 1)}</span>
                {slash > 0 && <span className="file-dir">{file.path.slice(0, slash)}</span>}
              </span>
              {isViewed(file) && (
                <span className="file-viewed" title="Viewed (cleared when the file changes again)" aria-label="viewed">
                  ✓
                </span>
              )}
              {file.binary ? (
                <span className="file-binary">binary</span>
              ) : (
                <span className="diffstat" aria-label={`${file.additions ?? 0} added, ${file.deletions ?? 0} removed lines`}>
                  {Array.from({ length: boxes.add }, (_, k) => (
                    <i key={`a${k}`} className="add" />
                  ))}
                  {Array.from({ length: boxes.del }, (_, k) => (
                    <i key={`d${k}`} className="del" />
                  ))}
                  {Array.from({ length: boxes.none }, (_, k) => (
                    <i key={`n${k}`} />
                  ))}
                </span>
              )}
            </div>
          );
        })}
      </div>
    </section>
  );
}
