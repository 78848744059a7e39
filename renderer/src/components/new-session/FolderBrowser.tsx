import { useEffect, useState } from 'react';
import type { FolderListing } from '../../../../src/api/payloads.js';
import { errorText } from '../../lib/api-errors.js';
import { api } from '../../state/api-instance.js';
import { Icon } from '../common/Icon.js';
import { Spinner } from '../common/Spinner.js';

/**
 * Browse the host's folders from a browser (which cannot show them): the host lists one folder's
 * subfolders at a time (`fs.listFolders`: no links, hidden folders only when asked); a click
 * opens a folder, "Use this folder" chooses the one shown. Repositories are marked.
 */
export function FolderBrowser({ start, onChoose, onClose }: { start: string; onChoose: (folder: string) => void; onClose: () => void }) {
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [showHidden, setShowHidden] = useState(false);

  const go = async (folder: string | undefined, hidden = showHidden): Promise<void> => {
    setLoading(true);
    const answer = await api().request('fs.listFolders', {
      ...(folder !== undefined && folder !== '' ? { path: folder } : {}),
      showHidden: hidden,
    });
    setLoading(false);
    if (answer.ok) {
      setListing(answer.data);
      setError(null);
    } else if (folder !== undefined && listing === null)
      void go(undefined, hidden); // a typed path that is not a folder: start at home
    else setError(errorText(answer.error));
  };
  useEffect(() => {
    void go(start);
    // Only the first folder comes from the field; later ones from clicks.
  }, []);

  return (
    <div className="folder-browser" role="group" aria-label="Browse folders">
      <div className="folder-browser-bar">
        <button
          type="button"
          className="btn small"
          disabled={listing?.parent == null}
          onClick={() => void go(listing?.parent ?? undefined)}
        >
          Up
        </button>
        <button type="button" className="btn small" onClick={() => void go(listing?.home)}>
          Home
        </button>
        <span className="folder-browser-path mono" title={listing?.path}>
          {/* Isolated so the right-to-left box (to cut the start of a long path) keeps the path's own order. */}
          <bdi>{listing?.path ?? '…'}</bdi>
        </span>
        {loading && <Spinner size={12} label="Listing the folder" />}
      </div>
      {error !== null && <div className="field-error">{error}</div>}
      <ul className="folder-browser-list">
        {listing?.folders.map((f) => (
          <li key={f.path}>
            <button type="button" className="folder-browser-item" data-folder={f.name} onClick={() => void go(f.path)}>
              <Icon name="folder" size={13} />
              <span className="folder-browser-name">{f.name}</span>
              {f.repo && <span className="badge neutral">git</span>}
            </button>
          </li>
        ))}
        {listing !== null && listing.folders.length === 0 && <li className="muted folder-browser-empty">No folders here.</li>}
        {listing !== null && listing.omitted > 0 && <li className="muted">{listing.omitted} more not shown.</li>}
      </ul>
      <div className="folder-browser-bar">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showHidden}
            onChange={(e) => {
              setShowHidden(e.target.checked);
              void go(listing?.path, e.target.checked);
            }}
          />
          Show hidden folders
        </label>
        <div className="spacer" />
        <button type="button" className="btn small" onClick={onClose}>
          Close
        </button>
        <button
          type="button"
          className="btn small primary"
          disabled={listing === null}
          onClick={() => listing !== null && onChoose(listing.path)}
        >
          Use this folder
        </button>
      </div>
    </div>
  );
}
