import type { DiffHunkInfo } from '../../../../src/api/payloads.js';

/**
 * Above the diff of one file of "All changes": its hunks (as git numbers them) each with Revert, and
 * Revert file. A revert is a new step ("Reverted …"), so it is undone by rolling back to the step
 * before it; no confirmation stands in the way.
 */
export function FileReviewBar({
  path,
  hunks,
  busy,
  disabledReason,
  onRevert,
  viewed,
  onViewed,
}: {
  path: string;
  /** This file's "Viewed" mark counts now (toggled here, like a file header's checkbox in a pull request). */
  viewed: boolean;
  onViewed: ((viewed: boolean) => void) | undefined;
  hunks: readonly DiffHunkInfo[];
  busy: boolean;
  disabledReason: string | null;
  onRevert: (hunk: DiffHunkInfo | null) => void;
}) {
  const disabled = busy || disabledReason !== null;
  return (
    <div className="file-review-bar" data-file-review={path}>
      {onViewed !== undefined && (
        <label className="viewed-toggle" title="Viewed (cleared when the file changes again)">
          <input type="checkbox" checked={viewed} onChange={(event) => onViewed(event.target.checked)} />
          Viewed
        </label>
      )}
      <span className="file-review-title">
        {hunks.length === 0 ? 'No hunks to revert one by one' : `${hunks.length} hunk${hunks.length === 1 ? '' : 's'}`}
      </span>
      {hunks.map((hunk, i) => (
        <span key={`${hunk.newStart}-${hunk.newLines}-${hunk.oldStart}`} className="hunk-chip" data-hunk={i}>
          {hunkLabel(hunk)} <span className="add">+{hunk.newLines}</span> <span className="del">−{hunk.oldLines}</span>
          <button
            type="button"
            className="link-btn"
            disabled={disabled}
            title={disabledReason ?? `Revert this hunk to the base (a new step you can roll back)`}
            onClick={() => onRevert(hunk)}
          >
            Revert
          </button>
        </span>
      ))}
      <button
        type="button"
        className="btn small"
        disabled={disabled}
        title={disabledReason ?? `Put ${path} back as the base has it (a new step you can roll back)`}
        onClick={() => onRevert(null)}
      >
        Revert file
      </button>
    </div>
  );
}

function hunkLabel(hunk: DiffHunkInfo): string {
  if (hunk.newLines === 0) return `after line ${hunk.newStart}`;
  return hunk.newLines === 1 ? `line ${hunk.newStart}` : `lines ${hunk.newStart}–${hunk.newStart + hunk.newLines - 1}`;
}
