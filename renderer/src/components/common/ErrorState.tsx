import { isUnavailable } from '../../lib/api-errors.js';
import { Icon } from './Icon.js';

/**
 * A failed load: what went wrong in words, and a way to try again. "Not in this build yet" is not
 * an error the user can fix, so it is shown as a quiet notice instead.
 */
export function ErrorState({
  title,
  message,
  code,
  onRetry,
  compact,
}: {
  title?: string;
  message: string;
  code?: string | null | undefined;
  onRetry?: () => void;
  compact?: boolean;
}) {
  const unavailable = isUnavailable(code);
  return (
    <div
      className={`error-state${compact === true ? ' compact' : ''}${unavailable ? ' unavailable' : ''}`}
      role={unavailable ? 'status' : 'alert'}
    >
      <Icon name="warning" size={compact === true ? 14 : 20} className="error-icon" />
      <div className="error-body">
        <div className="error-title">{unavailable ? 'Not available yet' : (title ?? 'Something went wrong')}</div>
        <div className="error-message">{message}</div>
      </div>
      {onRetry !== undefined && !unavailable && (
        <button type="button" className="btn small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
