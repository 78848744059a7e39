import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.js';

/** What a view shows when there is nothing (yet): a glyph, a title, a sentence, maybe an action. */
export function EmptyState({
  icon,
  title,
  message,
  action,
  compact,
}: {
  icon?: IconName;
  title: string;
  message?: ReactNode;
  action?: ReactNode;
  compact?: boolean;
}) {
  return (
    <div className={`empty-state${compact === true ? ' compact' : ''}`} role="status">
      {icon !== undefined && (
        <div className="empty-icon">
          <Icon name={icon} size={compact === true ? 18 : 26} />
        </div>
      )}
      <div className="empty-title">{title}</div>
      {message !== undefined && <div className="empty-message">{message}</div>}
      {action !== undefined && <div className="empty-action">{action}</div>}
    </div>
  );
}
