import type { ReactNode } from 'react';
import type { DoctorCheck } from '../../../../src/api/payloads.js';
import { Icon } from '../common/Icon.js';
import { InlineMarkdown } from '../transcript/InlineMarkdown.js';

/** `mlx-factory doctor`'s findings, each with what to do about it. */
export function DoctorList({ checks, fixFor }: { checks: readonly DoctorCheck[]; fixFor?: (check: DoctorCheck) => ReactNode | null }) {
  return (
    <ul className="doctor-list">
      {checks.map((check) => (
        <li key={check.id} className={`doctor-item ${check.status}`} data-check={check.id}>
          <span className={`doctor-icon ${check.status}`}>
            <Icon name={check.status === 'ok' ? 'check' : 'warning'} size={12} />
          </span>
          <div className="doctor-text">
            <div className="doctor-label">{check.label}</div>
            <div className="doctor-detail">
              <InlineMarkdown text={check.detail} />
            </div>
            {check.fix !== null && fixFor?.(check) != null ? (
              <div className="doctor-fix">{fixFor(check)}</div>
            ) : (
              check.fix !== null && (
                <div className="doctor-fix">
                  {/* Messages are rendered, never shown as raw markdown: "run `x`" shows x as code. */}
                  Fix: {check.fix.includes('`') ? <InlineMarkdown text={check.fix} /> : <code>{check.fix}</code>}
                </div>
              )
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
