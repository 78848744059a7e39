import type { ServerStatus } from '../../../../src/api/payloads.js';

const LABELS: Record<ServerStatus['state'], string> = {
  stopped: 'Stopped',
  starting: 'Starting…',
  ready: 'Ready',
  adopted: 'Ready (external)',
  crashed: 'Crashed',
  restarting: 'Restarting…',
  failed: 'Failed',
  unloaded: 'Unloaded (idle)',
  stopping: 'Stopping…',
};

export function serverStateLabel(state: ServerStatus['state']): string {
  return LABELS[state];
}

export function serverStateTone(state: ServerStatus['state']): 'success' | 'accent' | 'danger' | 'neutral' | 'warning' {
  if (state === 'ready' || state === 'adopted') return 'success';
  if (state === 'starting' || state === 'restarting' || state === 'stopping') return 'accent';
  if (state === 'crashed' || state === 'failed') return 'danger';
  if (state === 'unloaded') return 'warning';
  return 'neutral';
}

export function ServerStateBadge({ state }: { state: ServerStatus['state'] | null }) {
  if (state === null) return <span className="badge neutral">Unknown</span>;
  return (
    <span className={`badge ${serverStateTone(state)}`} data-server-state={state}>
      <span className={`dot ${serverStateTone(state)}`} />
      {LABELS[state]}
    </span>
  );
}
