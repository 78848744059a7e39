import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isUnavailable } from '../../lib/api-errors.js';
import { useConnectionStore } from '../../state/connection-store.js';
import { useModelsStore } from '../../state/models-store.js';
import { useServerStore } from '../../state/server-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { MessageLines } from '../common/MessageLines.js';
import { ServerStateBadge } from '../common/ServerStateBadge.js';
import { Spinner } from '../common/Spinner.js';
import { DoctorList } from './DoctorList.js';
import { RuntimeInstall } from './RuntimeInstall.js';
import { useRuntimeStore } from '../../state/runtime-store.js';
import { ServerLogs } from './ServerLogs.js';

/** The model server: controls, what runs (runtime, model, port, pid), restarts, doctor, logs. */
export function ServerView() {
  const s = useServerStore(
    useShallow((st) => ({
      status: st.status,
      logs: st.logs,
      logFile: st.logFile,
      models: st.models,
      doctor: st.doctor,
      history: st.history,
      busy: st.busy,
      actionError: st.actionError,
      missingModel: st.missingModel,
      actionErrorCode: st.actionErrorCode,
    })),
  );
  const runtimeState = useRuntimeStore((st) => st.status?.state ?? null);
  const mac = useConnectionStore((st) => st.info?.platform === 'darwin');
  const actions = useServerStore.getState();
  const [model, setModel] = useState('');

  useEffect(() => {
    const store = useServerStore.getState();
    void store.loadStatus();
    void store.loadLogs();
    void store.loadModels();
    if (store.doctor.value === null && !store.doctor.loading) void store.runDoctor();
    void useRuntimeStore.getState().load();
  }, []);

  const value = s.status.value;
  const running = value !== null && ['ready', 'adopted', 'starting', 'restarting'].includes(value.state);
  const runtime = s.doctor.value?.filter((c) => ['python', 'mlx', 'mlx-lm'].includes(c.id)) ?? [];
  const modelOptions = Array.from(
    new Set([value?.model ?? '', ...(s.models.value?.models ?? []).map((m) => m.id)].filter((m) => m !== '')),
  );
  const chosen = model === '' ? (value?.model ?? '') : model;
  // A server that is not our process (an OpenAI-compatible one at a URL): no runtime of ours to show.
  const external = value !== null && !value.owned && value.pid === null && value.url !== null;

  let controls;
  if (value === null && s.status.error !== null)
    controls = isUnavailable(s.status.errorCode) ? (
      <div className="card">
        <EmptyState icon="server" title="Server controls are not available yet" message={s.status.error} compact />
      </div>
    ) : (
      <ErrorState title="Could not read the server's state" message={s.status.error} onRetry={() => void actions.loadStatus()} />
    );
  else if (value === null) controls = <LoadingState label="Reading the server's state…" />;
  else
    controls = (
      <div className="card server-card">
        <div className="card-head">
          <ServerStateBadge state={value.state} />
          <span className="server-detail">{value.detail}</span>
        </div>
        <dl className="kv">
          <dt>Model</dt>
          <dd className="mono">{value.model}</dd>
          <dt>Address</dt>
          <dd className="mono">{value.url ?? '—'}</dd>
          <dt>Process</dt>
          <dd>
            {value.pid !== null ? `pid ${value.pid}` : '—'}
            {value.state === 'adopted' || !value.owned
              ? value.pid !== null || value.url !== null
                ? ' (not started by this app)'
                : ''
              : ''}
          </dd>
          <dt>Restarts</dt>
          <dd data-restarts={value.restarts}>{value.restarts}</dd>
          {!external && (
            <>
              <dt>Runtime</dt>
              <dd>
                {runtime.length > 0 ? runtime.map((c) => `${c.label}: ${c.detail}`).join(' · ') : s.doctor.loading ? 'checking…' : '—'}
              </dd>
            </>
          )}
        </dl>
        <div className="server-actions">
          <select className="input" value={chosen} onChange={(e) => setModel(e.target.value)} aria-label="Model" disabled={s.busy !== null}>
            {modelOptions.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <div className="spacer" />
          {running && (
            <button type="button" className="btn" disabled={s.busy !== null} onClick={() => void actions.stop()}>
              {s.busy === 'stop' && <Spinner size={11} />}
              Stop
            </button>
          )}
          <button
            type="button"
            className="btn primary"
            disabled={s.busy !== null || value.state === 'stopping'}
            onClick={() =>
              void (async () => {
                if (running) await actions.stop();
                await actions.start(chosen === '' ? undefined : chosen);
              })()
            }
          >
            {s.busy === 'start' && <Spinner size={11} />}
            {running ? 'Restart' : 'Start'}
          </button>
        </div>
        {s.actionError !== null && s.actionErrorCode === 'RUNTIME_MISSING' ? (
          <div className="inline-error" data-error-code="RUNTIME_MISSING">
            The MLX runtime (Python with mlx-lm) is not installed, so the server cannot start: install it below.
          </div>
        ) : (
          s.actionError !== null && (
            <div className="inline-error">
              <MessageLines text={s.actionError} />
            </div>
          )
        )}
        {s.missingModel !== null && (
          <div className="pull-offer">
            <button
              type="button"
              className="btn primary"
              disabled={runtimeState === 'missing' || runtimeState === 'installing'}
              onClick={() => {
                const missing = s.missingModel;
                if (missing === null) return;
                void useModelsStore.getState().pull(missing);
                useUiStore.getState().navigate({ view: 'models' });
              }}
            >
              Download {s.missingModel}
            </button>
            <span className="muted">
              {runtimeState === 'missing' || runtimeState === 'installing'
                ? 'Downloads run in the MLX runtime’s Python: install the runtime first (below).'
                : `It is not on this ${mac ? 'Mac' : 'machine'} yet; the Models view shows the progress.`}
            </span>
          </div>
        )}
        {value.logTail.length > 0 && (value.state === 'failed' || value.state === 'crashed') && (
          <pre className="log-tail">{value.logTail.join('\n')}</pre>
        )}
      </div>
    );

  return (
    <div className="page">
      <header className="page-header">
        <h1>Server</h1>
      </header>
      <div className="page-body server-page">
        {controls}
        {!external && <RuntimeInstall className="card" />}
        {s.history.length > 0 && (
          <div className="card">
            <div className="card-title">Recent changes</div>
            <ul className="history">
              {s.history
                .slice(-8)
                .reverse()
                .map((h) => (
                  <li key={`${h.time}-${h.state}`}>
                    <span className="muted">{new Date(h.time).toLocaleTimeString()}</span> <ServerStateBadge state={h.state} />{' '}
                    <span>{h.detail}</span>
                  </li>
                ))}
            </ul>
          </div>
        )}
        <div className="card">
          <div className="card-title-row">
            <span className="card-title">Doctor</span>
            <div className="spacer" />
            <button type="button" className="btn small" onClick={() => void actions.runDoctor()} disabled={s.doctor.loading}>
              {s.doctor.loading && <Spinner size={10} />}
              Check again
            </button>
          </div>
          {s.doctor.value !== null ? (
            <DoctorList
              checks={s.doctor.value}
              fixFor={(check) =>
                (check.id === 'mlx' || check.id === 'mlx-lm') && check.status === 'error' && runtimeState !== 'ready' ? (
                  <>
                    Fix: Install the MLX runtime (above), or run <code>mlx-factory doctor --install</code> in a terminal.
                  </>
                ) : null
              }
            />
          ) : s.doctor.error !== null ? (
            <ErrorState message={s.doctor.error} code={s.doctor.errorCode} compact />
          ) : (
            <LoadingState label="Checking what is installed…" compact />
          )}
        </div>
        <div className="card log-card">
          <div className="card-title-row">
            <span className="card-title">Log</span>
          </div>
          {s.logs.value !== null ? (
            <ServerLogs lines={s.logs.value} file={s.logFile} />
          ) : s.logs.error !== null ? (
            <ErrorState message={s.logs.error} code={s.logs.errorCode} compact />
          ) : (
            <LoadingState label="Loading the log…" compact />
          )}
        </div>
      </div>
    </div>
  );
}
