import { useEffect, useState } from 'react';
import type { ModelPullPayload } from '../../../../src/api/model-pull.js';
import type { ModelInfo } from '../../../../src/api/payloads.js';
import { errorText } from '../../lib/api-errors.js';
import { formatBytes } from '../../lib/display-format.js';
import { api } from '../../state/api-instance.js';
import { useConnectionStore } from '../../state/connection-store.js';
import { useRuntimeStore } from '../../state/runtime-store.js';
import { RuntimeInstall } from '../server/RuntimeInstall.js';
import { isPulling, useModelsStore } from '../../state/models-store.js';
import { useServerStore } from '../../state/server-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { PullProgress } from './PullProgress.js';
import { RepoEval } from './RepoEval.js';

const FIT_LABEL: Record<NonNullable<ModelInfo['fit']>, string> = { fits: 'Fits', tight: 'Tight', 'too-large': 'Too large' };
const FIT_TONE: Record<NonNullable<ModelInfo['fit']>, string> = { fits: 'success', tight: 'warning', 'too-large': 'danger' };
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Where a model on disk lives (#17): the hub cache, LM Studio's folder (used in place), or a folder from Settings. */
const WHERE_LABEL = { 'hf-cache': 'HF cache', 'lm-studio': 'LM Studio', folder: 'folder' } as const;

/**
 * Models, like `ollama pull` / LM Studio: the recommended table with whether each fits this Mac's
 * memory, what is on disk and its size, and a download with a progress bar, cancel, resume
 * (pull again) and delete.
 */
export function ModelsView() {
  const { models, current, error, pulls, actionErrors } = useModelsStore();
  const { load, pull, cancel, remove } = useModelsStore.getState();
  const confirm = useUiStore((s) => s.confirm);
  const navigate = useUiStore((s) => s.navigate);
  const serverBusy = useServerStore((s) => s.busy);
  const status = useServerStore((s) => s.status.value);
  // Settings chose an OpenAI-compatible server at a URL: these models are for the app's own server.
  const externalUrl = status !== null && !status.owned && status.pid === null ? status.url : null;
  const [other, setOther] = useState('');
  const runtime = useRuntimeStore((s) => s.status?.state ?? null);
  // Downloads run huggingface_hub in the runtime's Python: without it they wait, and say why.
  const blocked =
    runtime === 'missing'
      ? 'Downloads need the MLX runtime (they run in its Python): install it above first.'
      : runtime === 'installing'
        ? 'Downloads start once the MLX runtime is installed.'
        : null;
  const settings = useSettingsStore((s) => s.view);
  const draftInUse = settings?.config.server.draft_model ?? null;

  useEffect(() => {
    void load();
    void useRuntimeStore.getState().load();
    if (useSettingsStore.getState().view === null) void useSettingsStore.getState().load();
  }, [load]);

  // The draft model (#17): written to server.draft_model; the server restarts with it when it is idle.
  const setDraft = async (id: string | null): Promise<void> => {
    const written = await api().request('config.write', { patch: { server: { draft_model: id } } });
    if (!written.ok) {
      useUiStore.getState().toast('danger', errorText(written.error));
      return;
    }
    void useSettingsStore.getState().load();
  };
  const onDisk = (id: string): boolean => models?.some((x) => x.id === id && x.onDisk) === true;

  const askRemove = (m: ModelInfo): void =>
    confirm({
      title: `Delete ${m.id}?`,
      lines: [`This frees ${formatBytes(m.diskBytes ?? 0)} in the Hugging Face cache. You can download it again later.`],
      action: 'Delete',
      destructive: true,
      onConfirm: () => remove(m.id),
    });
  const mac = useConnectionStore((s) => s.info?.platform === 'darwin');
  // "Start server" makes it the configured model (server.model), so Doctor, New session and the
  // next start agree with what runs — not a one-off start beside another configured model.
  const startWith = async (id: string): Promise<void> => {
    navigate({ view: 'server' });
    if (id !== current) {
      const written = await api().request('config.write', { patch: { server: { model: id } } });
      if (!written.ok) {
        useUiStore.getState().toast('danger', errorText(written.error));
        return;
      }
      void useSettingsStore.getState().load();
      void useServerStore.getState().runDoctor();
    }
    await useServerStore.getState().start(id);
    void load();
  };

  let table;
  if (models === null && error !== null)
    table = <ErrorState title="Could not list the models" message={error} onRetry={() => void load()} />;
  else if (models === null) table = <LoadingState label="Looking at the Hugging Face cache…" />;
  else
    table = (
      <table className="models-table">
        <thead>
          <tr>
            <th>Model</th>
            <th>Size</th>
            <th>{mac ? 'This Mac' : 'This machine'}</th>
            <th>On disk</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {models.map((m) => {
            const progress = pulls[m.id];
            const pulling = isPulling(progress);
            const partial = !m.onDisk && (m.diskBytes ?? 0) > 0;
            return (
              <tr key={m.id} data-model={m.id} className={m.id === current ? 'current' : undefined}>
                <td>
                  <div className="model-name">
                    {m.label ?? m.id}
                    {m.isDefault === true && <span className="badge">default</span>}
                    {m.id === current && <span className="badge accent">configured</span>}
                    {m.onDisk && m.where !== undefined && (
                      <span className="badge" data-where={m.where} title="Where it lives on disk; it is used there, never downloaded again">
                        {WHERE_LABEL[m.where]}
                      </span>
                    )}
                  </div>
                  <div className="muted mono small">{m.id}</div>
                  <div className="muted small">
                    {m.recommended ? m.note : m.problem !== null && m.problem !== undefined ? `Cannot load: ${m.problem}` : ''}
                  </div>
                  {progress !== undefined && (pulling || progress.phase === 'failed' || progress.phase === 'cancelled') && (
                    <PullProgress progress={progress} />
                  )}
                  {progress?.phase === 'done' && m.onDisk && (
                    <div className="pull-done" role="status" data-pull-done={m.id}>
                      Downloaded and verified: {formatBytes(progress.totalBytes)} in the Hugging Face cache, ready to start.
                    </div>
                  )}
                  {m.draft !== undefined && (
                    <DraftOffer
                      draft={m.draft}
                      inUse={draftInUse === m.draft}
                      onDisk={onDisk(m.draft)}
                      progress={pulls[m.draft]}
                      onUse={() => void setDraft(m.draft ?? null)}
                      onStop={() => void setDraft(null)}
                      onPull={() => void pull(m.draft ?? '')}
                    />
                  )}
                  {actionErrors[m.id] !== undefined && <div className="inline-error">{actionErrors[m.id]}</div>}
                </td>
                <td className="mono">
                  {m.sizeBytes === null ? '—' : m.recommended ? `~${formatBytes(m.sizeBytes)}` : formatBytes(m.sizeBytes)}
                </td>
                <td>
                  {m.fit !== undefined && (
                    <span className={`badge fit ${FIT_TONE[m.fit]}`} title={m.fitMessage}>
                      {FIT_LABEL[m.fit]}
                    </span>
                  )}
                </td>
                <td className="mono">
                  {m.onDisk ? formatBytes(m.diskBytes ?? 0) : partial ? `partial, ${formatBytes(m.diskBytes ?? 0)}` : '—'}
                </td>
                <td className="row-actions">
                  {pulling ? (
                    <button type="button" className="btn small" onClick={() => void cancel(m.id)}>
                      Cancel
                    </button>
                  ) : m.onDisk ? (
                    <>
                      {externalUrl === null && (
                        <button
                          type="button"
                          className="btn small primary"
                          disabled={serverBusy !== null}
                          onClick={() => void startWith(m.id)}
                        >
                          Start server
                        </button>
                      )}
                      {m.id.includes('/') && !m.id.startsWith('/') && (
                        <button type="button" className="btn small danger" onClick={() => askRemove(m)}>
                          Delete
                        </button>
                      )}
                    </>
                  ) : (
                    <button
                      type="button"
                      className="btn small primary"
                      disabled={blocked !== null}
                      title={blocked ?? undefined}
                      aria-describedby={blocked !== null ? 'download-blocked' : undefined}
                      onClick={() => void pull(m.id)}
                    >
                      {partial || progress?.phase === 'cancelled' || progress?.phase === 'failed' ? 'Resume download' : 'Download'}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    );

  const otherValid = REPO_ID.test(other.trim());
  const otherProgress = pulls[other.trim()];
  return (
    <div className="page">
      <header className="page-header">
        <h1>Models</h1>
        <div className="page-sub">Downloaded into the Hugging Face cache, where mlx_lm.server and other tools find them.</div>
      </header>
      <div className="page-body models-page">
        {externalUrl !== null && (
          <div className="card muted">
            Sessions use the OpenAI-compatible server at <span className="mono">{externalUrl}</span> (Settings → Model server). The models
            here are for the app’s own MLX server.
          </div>
        )}
        {externalUrl === null && <RuntimeInstall className="card" />}
        <div className="card">
          {blocked !== null && (
            <div className="download-blocked" id="download-blocked" role="note">
              {blocked}
            </div>
          )}
          {table}
        </div>
        <div className="card">
          <div className="card-title">Another model from the Hugging Face Hub</div>
          <form
            className="pull-other"
            onSubmit={(e) => {
              e.preventDefault();
              if (otherValid && blocked === null) void pull(other.trim());
            }}
          >
            <input
              className="input mono"
              placeholder="org/name, e.g. mlx-community/Qwen2.5-Coder-3B-Instruct-4bit"
              value={other}
              onChange={(e) => setOther(e.target.value)}
              aria-label="Model id"
            />
            <button
              type="submit"
              className="btn primary"
              disabled={!otherValid || isPulling(otherProgress) || blocked !== null}
              title={blocked ?? undefined}
            >
              Download
            </button>
          </form>
          {otherProgress !== undefined && models?.some((m) => m.id === other.trim()) !== true && <PullProgress progress={otherProgress} />}
        </div>
        <RepoEval />
      </div>
    </div>
  );
}

/**
 * The draft model offered beside a recommended model (#17): a small model of the same tokenizer
 * family that makes one session's turns faster (speculative decoding). mlx_lm.server cannot batch
 * with a draft, so the app uses it only while one session runs and restarts without it, when idle,
 * once several run.
 */
function DraftOffer(props: {
  draft: string;
  inUse: boolean;
  onDisk: boolean;
  progress: ModelPullPayload | undefined;
  onUse: () => void;
  onStop: () => void;
  onPull: () => void;
}) {
  const { draft, inUse, onDisk, progress } = props;
  const pulling = isPulling(progress);
  return (
    <div className="draft-offer small" data-draft={draft}>
      <span className="muted">Draft model: </span>
      <span className="mono">{draft}</span>
      {inUse && <span className="badge accent">draft in use</span>}
      <div className="muted">
        Speculative decoding with the same tokenizer: faster turns while one session runs; with several, the server runs without it
        (restarted when idle) so their turns batch.
      </div>
      <div className="row-actions">
        {inUse ? (
          <button type="button" className="btn small" onClick={props.onStop}>
            Stop using the draft
          </button>
        ) : onDisk ? (
          <button type="button" className="btn small" onClick={props.onUse}>
            Use as draft model
          </button>
        ) : pulling ? null : (
          <button type="button" className="btn small" onClick={props.onPull}>
            Download the draft
          </button>
        )}
      </div>
      {progress !== undefined && pulling && <PullProgress progress={progress} />}
    </div>
  );
}
