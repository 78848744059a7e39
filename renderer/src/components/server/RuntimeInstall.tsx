import { useEffect } from 'react';
import type { InstallPhase } from '../../../../src/api/runtime-install.js';
import { formatBytes } from '../../lib/display-format.js';
import { isInstalling, useRuntimeStore } from '../../state/runtime-store.js';
import { Spinner } from '../common/Spinner.js';
import { MessageLines } from '../common/MessageLines.js';

const STEPS: ReadonlyArray<{ phase: InstallPhase; label: string }> = [
  { phase: 'base', label: 'Find Python 3.11 or newer' },
  { phase: 'venv', label: 'Make a Python environment in the app’s folder' },
  { phase: 'pip', label: 'Download and install mlx and mlx-lm' },
  { phase: 'verify', label: 'Check that mlx computes' },
];
const ORDER: readonly InstallPhase[] = ['base', 'venv', 'pip', 'verify', 'done'];

/**
 * "Install the MLX runtime" wherever the runtime is missing (Doctor, Models, the Server's start
 * error): what `mlx-factory doctor --install` does, run by the app, with its steps, the file pip is
 * downloading, Cancel, and every line it printed under Details. Shows nothing while the runtime is
 * there, except a notice right after an install from here.
 */
export function RuntimeInstall({ why, className = '' }: { why?: string; className?: string }) {
  const { status, install, lines, error } = useRuntimeStore();
  useEffect(() => {
    if (useRuntimeStore.getState().status === null) void useRuntimeStore.getState().load();
  }, []);
  const installing = isInstalling(install);
  if (status === null && !installing) return null;
  if (!installing && status?.state === 'ready') {
    return install?.phase === 'done' ? (
      <div className={`runtime-install done ${className}`} data-runtime-state="ready">
        <div role="status">
          The MLX runtime is installed: <span className="mono">{install.python ?? status.python}</span>
        </div>
        {lines.length > 0 && (
          <details className="runtime-details">
            <summary>Details</summary>
            <pre className="log-tail runtime-log">{lines.join('\n')}</pre>
          </details>
        )}
      </div>
    ) : null;
  }
  if (!installing && status?.installable === false)
    return (
      <div className={`runtime-install ${className}`} data-runtime-state="unavailable">
        <div className="runtime-title">The MLX runtime cannot run here</div>
        <div className="muted">{status.detail}</div>
      </div>
    );

  const at = install === null ? -1 : ORDER.indexOf(install.phase);
  const download = installing ? (install?.download ?? null) : null;
  const ratio = download !== null && download.totalBytes > 0 ? Math.min(1, download.doneBytes / download.totalBytes) : null;
  return (
    <div
      className={`runtime-install ${className}`}
      data-runtime-state={installing ? 'installing' : 'missing'}
      data-phase={install?.phase ?? 'none'}
    >
      <div className="runtime-head">
        <div>
          <div className="runtime-title">{installing ? 'Installing the MLX runtime…' : 'The MLX runtime is not installed'}</div>
          {!installing && (
            <div className="muted small">
              {why ?? status?.detail} It makes a Python environment in the app’s folder with the tested mlx and mlx-lm (a few hundred MB on
              the first install), as <code>mlx-factory doctor --install</code> does.
            </div>
          )}
        </div>
        <div className="spacer" />
        {installing ? (
          <button type="button" className="btn small" onClick={() => void useRuntimeStore.getState().cancel()}>
            Cancel
          </button>
        ) : (
          <button type="button" className="btn primary" onClick={() => void useRuntimeStore.getState().start()}>
            Install the MLX runtime
          </button>
        )}
      </div>
      {installing && (
        <>
          <ol className="runtime-steps">
            {STEPS.map((step, index) => {
              const state = index < at ? 'done' : index === at ? 'now' : 'next';
              return (
                <li key={step.phase} data-step={step.phase} data-state={state}>
                  {state === 'now' ? (
                    <Spinner size={10} label="Now" />
                  ) : (
                    <span className="runtime-step-mark" aria-label={state === 'done' ? 'Done' : 'Next'}>
                      {state === 'done' ? '✓' : '·'}
                    </span>
                  )}
                  <span className="runtime-step-label">{step.label}</span>
                </li>
              );
            })}
          </ol>
          <div
            className={`progress pull-bar${ratio === null ? ' indeterminate' : ''}`}
            role="progressbar"
            aria-label="Install of the MLX runtime"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={ratio === null ? undefined : Math.floor(ratio * 100)}
          >
            <div className="progress-fill" style={{ width: ratio === null ? undefined : `${(ratio * 100).toFixed(1)}%` }} />
          </div>
          <div className="pull-meta">
            {download !== null ? (
              <>
                <span className="mono">{download.file}</span>
                <span className="mono">
                  {formatBytes(download.doneBytes)} of {formatBytes(download.totalBytes)}
                </span>
                {download.bytesPerSecond !== null && <span className="mono">{formatBytes(download.bytesPerSecond)}/s</span>}
              </>
            ) : (
              <span className="runtime-line">{install?.line}</span>
            )}
            {(install?.packagesDone ?? 0) > 0 && <span className="muted">{install?.packagesDone} packages so far</span>}
          </div>
        </>
      )}
      {!installing && install !== null && (install.phase === 'failed' || install.phase === 'cancelled') && install.message !== null && (
        <div className="inline-error runtime-message" data-install-outcome={install.phase}>
          <MessageLines text={install.message} />
        </div>
      )}
      {error !== null && <div className="inline-error">{error}</div>}
      {lines.length > 0 && (
        <details className="runtime-details">
          <summary>Details</summary>
          <pre className="log-tail runtime-log">{lines.join('\n')}</pre>
        </details>
      )}
    </div>
  );
}
