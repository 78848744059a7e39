import type { SessionRow } from '../../../../src/api/session-row.js';
import { stateLabel } from '../../../../src/api/session-row.js';
import type { SessionState } from '../../../../src/api/session-status.js';

/**
 * A session's state as a badge, in the one wording the core gives (src/api/session-row.ts): a rollback
 * to an unchecked step shows "Not checked", never the run's old "Passed".
 */
export function StatusBadge({ session, state }: { session?: Pick<SessionRow, 'state' | 'rolledBackTo'>; state?: SessionState }) {
  const row = session ?? { state: state ?? 'running', rolledBackTo: null };
  const { label, tone } = stateLabel(row);
  return (
    <span className={`badge ${tone}`} data-state={row.state} data-label={label}>
      {row.state === 'running' && <span className="pulse-dot" />}
      {label}
    </span>
  );
}
