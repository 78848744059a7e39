import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../lib/display-format.js';
import { serverMemory } from '../../lib/server-summary.js';
import { PromptCacheCard } from './PromptCacheCard.js';
import { useMemoryStore } from '../../state/memory-store.js';
import { useServerStore } from '../../state/server-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { Segmented } from '../common/Segmented.js';
import { FitWarning } from './FitWarning.js';
import { MemoryChart } from './MemoryChart.js';

const WINDOWS = [
  { id: '60000', label: '1 min' },
  { id: '300000', label: '5 min' },
  { id: '900000', label: '15 min' },
] as const;

/** The memory view: a live chart of server, system and app memory, current numbers, the fit warning. */
export function MemoryView() {
  const { samples, loaded, loading, error, load } = useMemoryStore(
    useShallow((s) => ({ samples: s.samples, loaded: s.loaded, loading: s.loading, error: s.error, load: s.load })),
  );
  const doctor = useServerStore((s) => s.doctor);
  const models = useServerStore((s) => s.models);
  const serverStatus = useServerStore((s) => s.status.value);
  const [windowMs, setWindowMs] = useState<(typeof WINDOWS)[number]['id']>('300000');

  useEffect(() => {
    void load();
    const server = useServerStore.getState();
    if (server.doctor.value === null && !server.doctor.loading) void server.runDoctor();
    if (server.models.value === null && !server.models.loading) void server.loadModels();
  }, [load]);

  const latest = samples.at(-1) ?? null;
  // The same words as the popover and the sidebar: from the server's state, not only the sampler's view.
  const serverLine = serverMemory(serverStatus, latest);
  const memoryCheck = doctor.value?.find((c) => c.id === 'memory') ?? null;
  const currentModel = models.value?.models.find((m) => m.id === models.value?.current) ?? null;
  let body;
  if (!loaded && error !== null) body = <ErrorState title="Could not load memory samples" message={error} onRetry={() => void load()} />;
  else if (!loaded || (loading && samples.length === 0)) body = <LoadingState label="Loading memory samples…" />;
  else if (samples.length === 0)
    body = (
      <EmptyState
        icon="memory"
        title="No samples yet"
        message="The host samples memory every few seconds; the first one appears shortly."
      />
    );
  else
    body = (
      <>
        <div className="card chart-card">
          <div className="card-head">
            <div className="legend">
              <span>
                <i className="server" /> Model server {serverLine.text}
              </span>
              <span>
                <i className="system" /> System in use{' '}
                {latest !== null ? formatBytes(latest.system.totalBytes - latest.system.availableBytes) : '—'}
              </span>
              <span>
                <i className="app" /> App {latest !== null ? formatBytes(latest.app.rssBytes) : '—'}
              </span>
            </div>
            <div className="spacer" />
            <Segmented label="Time window" options={WINDOWS} value={windowMs} onChange={setWindowMs} />
          </div>
          <MemoryChart samples={samples} windowMs={Number(windowMs)} />
        </div>
        {latest !== null && (
          <div className="stat-grid">
            <div className="stat-tile">
              <span className="stat-label">Total</span>
              <span className="stat-big">{formatBytes(latest.system.totalBytes)}</span>
              <span className="stat-note">{latest.system.source}</span>
            </div>
            <div className="stat-tile">
              <span className="stat-label">Available</span>
              <span className="stat-big">{formatBytes(latest.system.availableBytes)}</span>
              <span className="stat-note">
                {Math.round((latest.system.availableBytes / Math.max(1, latest.system.totalBytes)) * 100)}% free
              </span>
            </div>
            <div className="stat-tile">
              <span className="stat-label">Model server</span>
              <span className="stat-big" data-server-memory={serverLine.measured ? 'measured' : serverLine.text}>
                {serverLine.text}
              </span>
              <span className="stat-note">
                {latest.server !== null && serverLine.measured
                  ? `${latest.server.source}, ${latest.server.pids.length} process${latest.server.pids.length === 1 ? '' : 'es'}`
                  : ' '}
              </span>
            </div>
            <div className="stat-tile">
              <span className="stat-label">This app</span>
              <span className="stat-big">{formatBytes(latest.app.rssBytes)}</span>
              <span className="stat-note">resident</span>
            </div>
          </div>
        )}
        {latest?.promptCache !== undefined && <PromptCacheCard cache={latest.promptCache} />}
      </>
    );
  return (
    <div className="page">
      <header className="page-header">
        <h1>Memory</h1>
        <span className="page-sub">{samples.length > 0 ? `${samples.length} samples` : ''}</span>
      </header>
      <div className="page-body">
        <FitWarning check={memoryCheck} model={currentModel} sample={latest} />
        {body}
      </div>
    </div>
  );
}
