import type { DoctorCheck } from '../../../../src/api/payloads.js';
import { Icon } from '../common/Icon.js';

/** `mlx-factory doctor`'s findings, each with what to do about it. */
export function DoctorList({ checks }: { checks: readonly DoctorCheck[] }) {
  return (
    <ul className="doctor-list">
      {checks.map((check) => (
        <li key={check.id} className={`doctor-item ${check.status}`} data-check={check.id}>
          <span className={`doctor-icon ${check.status}`}>
            <Icon name={check.status === 'ok' ? 'check' : 'warning'} size={12} />
          </span>
          <div className="doctor-text">
            <div className="doctor-label">{check.label}</div>
            <div className="doctor-detail">{check.detail}</div>
            {check.fix !== null && (
              <div className="doctor-fix">
                Fix: <code>{check.fix}</code>
              </div>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
