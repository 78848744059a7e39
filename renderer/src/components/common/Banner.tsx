import type { ReactNode } from 'react';
import { Icon } from './Icon.js';

/** A one-line notice across a view (info, warning, error, success). */
export function Banner({
  tone,
  children,
  action,
}: {
  tone: 'info' | 'warning' | 'danger' | 'success';
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className={`banner ${tone}`} role={tone === 'danger' ? 'alert' : 'status'}>
      <Icon name={tone === 'success' ? 'check' : tone === 'info' ? 'info' : 'warning'} size={13} />
      <div className="banner-text">{children}</div>
      {action}
    </div>
  );
}
