import type { ModelPullPayload } from '../../../../src/api/model-pull.js';
import { formatBytes, formatDuration } from '../../lib/display-format.js';
import { InlineMarkdown } from '../transcript/InlineMarkdown.js';

const PHASE_LABEL: Record<ModelPullPayload['phase'], string> = {
  planning: 'Asking the Hub for the file list…',
  downloading: 'Downloading',
  verifying: 'Checking sha256…',
  done: 'Downloaded and verified',
  failed: 'Failed',
  cancelled: 'Cancelled — pull again to resume',
};

/** A download's bar: bytes on disk of the total, the rate and the time left. */
export function PullProgress({ progress }: { progress: ModelPullPayload }) {
  const ratio = progress.totalBytes > 0 ? Math.min(1, progress.doneBytes / progress.totalBytes) : 0;
  const pct = Math.floor(ratio * 100);
  const bytes = progress.totalBytes > 0 ? `${formatBytes(progress.doneBytes)} of ${formatBytes(progress.totalBytes)}` : '';
  const rate = progress.phase === 'downloading' && progress.bytesPerSecond !== null ? `${formatBytes(progress.bytesPerSecond)}/s` : '';
  const eta = progress.phase === 'downloading' && progress.etaSeconds !== null ? `${formatDuration(progress.etaSeconds * 1000)} left` : '';
  const tone = progress.phase === 'failed' ? ' danger' : progress.phase === 'cancelled' ? ' warning' : '';
  return (
    <div className="pull-progress" data-phase={progress.phase}>
      <div
        className={`progress pull-bar${tone}`}
        role="progressbar"
        aria-label={`Download of ${progress.model}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div className="progress-fill" style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </div>
      <div className="pull-meta">
        <span>{PHASE_LABEL[progress.phase]}</span>
        {bytes !== '' && (
          <span className="mono">
            {pct}% · {bytes}
          </span>
        )}
        {rate !== '' && <span className="mono">{rate}</span>}
        {eta !== '' && <span className="mono">{eta}</span>}
        {progress.filesTotal > 0 && (
          <span className="muted">
            {progress.filesDone}/{progress.filesTotal} files
          </span>
        )}
      </div>
      {progress.message !== null && progress.phase === 'failed' && (
        <div className="inline-error">
          <InlineMarkdown text={progress.message} />
        </div>
      )}
    </div>
  );
}
