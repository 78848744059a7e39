import { useState, type DragEvent } from 'react';
import type { RepoStatus } from '../../../../src/api/payloads.js';
import { useShallow } from 'zustand/react/shallow';
import { plural, shortSha } from '../../lib/display-format.js';
import { recentRepos } from '../../lib/recent-repos.js';
import { api } from '../../state/api-instance.js';
import { useConnectionStore } from '../../state/connection-store.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { Icon } from '../common/Icon.js';
import { Spinner } from '../common/Spinner.js';
import { EnvironmentField } from './EnvironmentField.js';
import { FolderBrowser } from './FolderBrowser.js';

/**
 * Where the session works: drop a folder, pick one (desktop app), or type its path (a browser
 * hides dropped files' paths). Below it, what that folder is — and the uncommitted changes that
 * will not be in the session, since a session starts from the last commit.
 */
export function FolderField({ error }: { error: string | undefined }) {
  const folder = useNewSessionStore((s) => s.fields.folder);
  const status = useNewSessionStore((s) => (s.statusFor === s.fields.folder.trim() ? s.status : null));
  const checking = useNewSessionStore((s) => s.checking);
  const dropNotice = useNewSessionStore((s) => s.dropNotice);
  const canPick = useConnectionStore((s) => s.info?.capabilities.pickFolder === true);
  const [dragging, setDragging] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const recent = useSessionsStore(useShallow((s) => recentRepos(Object.values(s.byId))));
  const store = useNewSessionStore.getState();

  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    event.stopPropagation();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file === undefined) return;
    const path = api().pathForFile(file);
    if (path === null) store.setDropNotice(`Your browser does not reveal where “${file.name}” is. Type its full path instead.`);
    else store.setField('folder', path);
  };
  const pick = async (): Promise<void> => {
    const answer = await api().request('dialog.pickFolder', { title: 'Choose the repository for the session' });
    if (answer.ok && answer.data.path !== null) store.setField('folder', answer.data.path);
  };

  return (
    <div className="field">
      <label htmlFor="ns-folder" className="field-label">
        Repository
      </label>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}${error !== undefined ? ' invalid' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <Icon name="folder" size={15} />
        <input
          id="ns-folder"
          className="input bare"
          placeholder={canPick ? 'Drop a folder, choose one, or type its path' : 'The folder’s full path'}
          value={folder}
          onChange={(e) => store.setField('folder', e.target.value)}
          onBlur={() => store.touch('folder')}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error !== undefined}
          aria-describedby="ns-folder-status"
        />
        {checking && <Spinner size={12} label="Checking the folder" />}
        {canPick ? (
          <button type="button" className="btn small" onClick={() => void pick()}>
            Choose…
          </button>
        ) : (
          // A browser cannot show the host's folders: the host lists them.
          <button type="button" className="btn small" aria-expanded={browsing} onClick={() => setBrowsing(!browsing)}>
            Browse…
          </button>
        )}
      </div>
      {browsing && (
        <FolderBrowser
          start={folder.trim()}
          onClose={() => setBrowsing(false)}
          onChoose={(chosen) => {
            setBrowsing(false);
            store.setField('folder', chosen);
            store.touch('folder');
          }}
        />
      )}
      {recent.length > 0 && (
        <div className="recent-repos" role="group" aria-label="Recent repositories">
          <span className="field-hint">Recent:</span>
          {recent.map((repo) => (
            <button
              key={repo}
              type="button"
              className={`chip${repo === folder.trim() ? ' on' : ''}`}
              title={repo}
              data-recent-repo={repo}
              onClick={() => {
                store.setField('folder', repo);
                store.touch('folder');
              }}
            >
              {repo.split(/[\\/]/).filter(Boolean).at(-1) ?? repo}
            </button>
          ))}
        </div>
      )}
      <div id="ns-folder-status">
        {dropNotice !== null && <div className="field-hint warning">{dropNotice}</div>}
        {error !== undefined ? (
          <div className="field-error" role="alert" data-field-error="folder">
            {error}
            {status?.kind === 'not-repo' && (
              <button type="button" className="link-btn" onClick={() => void store.initRepo()}>
                Make it a git repository
              </button>
            )}
          </div>
        ) : folder.trim() === '' ? (
          <div className="field-hint">Empty: the session gets a fresh repository of its own.</div>
        ) : (
          status !== null && <RepoSummary status={status} />
        )}
      </div>
    </div>
  );
}

function RepoSummary({ status }: { status: RepoStatus }) {
  if (status.kind !== 'repo') return null;
  return (
    <div className="repo-summary" data-repo-kind={status.kind}>
      <div className="field-hint">
        <Icon name="check" size={11} /> Git repository{status.branch !== null ? ` on ${status.branch}` : ' (detached HEAD)'} at{' '}
        {shortSha(status.headCommit)}
        {status.root !== null && status.root !== status.path ? ` — ${status.root}` : ''}
      </div>
      {status.uncommitted.length > 0 && (
        <div className="field-hint warning" data-uncommitted={status.uncommitted.length}>
          <Icon name="warning" size={11} /> {plural(status.uncommitted.length, 'uncommitted change')} will not be in the session (it starts
          from the last commit): <span className="mono">{status.uncommitted.slice(0, 5).join(', ')}</span>
          {status.uncommitted.length > 5 ? ` and ${status.uncommitted.length - 5} more` : ''}. Your checkout is not touched.
        </div>
      )}
      {status.untrustedConfig != null && <UntrustedConfig file={status.untrustedConfig.file} ignored={status.untrustedConfig.ignored} />}
      {status.root !== null && <EnvironmentField root={status.root} />}
    </div>
  );
}

/**
 * The project's own factory.yaml is repository content: until the user trusts what it says now, the
 * keys that run code or loosen limits are ignored. Say which, and let them trust it here.
 */
function UntrustedConfig({ file, ignored }: { file: string; ignored: readonly string[] }) {
  const trust = (): void => void useNewSessionStore.getState().trustProject();
  return (
    <div className="field-hint warning" data-untrusted-config={file}>
      <Icon name="warning" size={11} /> This project’s <span className="mono">factory.yaml</span> is not trusted, so{' '}
      <span className="mono">{ignored.join(', ')}</span> {ignored.length === 1 ? 'is' : 'are'} ignored (a project’s file may only tighten
      your limits).{' '}
      <button type="button" className="link-btn" onClick={trust}>
        Trust its current content
      </button>
    </div>
  );
}
