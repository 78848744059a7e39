import { memo } from 'react';
import { formatBytes, formatDuration } from '../../lib/display-format.js';
import type { ExecItem } from '../../lib/transcript-reducer.js';

export const ExecFooter = memo(function ExecFooter({ exec }: { exec: ExecItem }) {
  const done = exec.finished;
  if (done === null) return null;
  const ok = done.exitCode === 0 && !done.timedOut;
  const what = done.timedOut ? 'timed out' : done.signal !== null ? `killed (${done.signal})` : `exit ${done.exitCode ?? '?'}`;
  return (
    <div className="exec-footer" data-exit={done.exitCode ?? ''}>
      <span className={`badge ${ok ? 'success' : 'danger'}`}>{what}</span>
      <span className="exec-meta">{formatDuration(done.durationMs)}</span>
      {done.truncated && <span className="exec-meta">output {formatBytes(done.totalBytes)}, middle cut (head and tail shown)</span>}
      {exec.output === '' && <span className="exec-meta">no output</span>}
    </div>
  );
});
