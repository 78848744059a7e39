import type { SessionState } from '../../../../src/api/session-status.js';
import { stateLabel, stateTone } from '../../lib/session-filter.js';

export function StatusBadge({ state }: { state: SessionState }) {
  return (
    <span className={`badge ${stateTone(state)}`} data-state={state}>
      {state === 'running' && <span className="pulse-dot" />}
      {stateLabel(state)}
    </span>
  );
}
