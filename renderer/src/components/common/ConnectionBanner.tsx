import { connectionEndedText } from '../../lib/api-errors.js';
import { useConnectionStore } from '../../state/connection-store.js';
import { Spinner } from './Spinner.js';

/**
 * Shown only while the link to the host is down; the WebSocket client reconnects by itself. When
 * the host refused this tab's address (it restarted with a new token) or is gone, it says so and
 * where to go, instead of "reconnecting" forever.
 */
export function ConnectionBanner() {
  const state = useConnectionStore((s) => s.state);
  const ended = useConnectionStore((s) => s.ended);
  if (state === 'open') return null;
  if (state === 'closed' && ended !== null) {
    return (
      <div className="connection-banner closed ended" role="alert" data-connection="ended" data-code={ended.code}>
        {connectionEndedText(ended)
          .split('`')
          .map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}
      </div>
    );
  }
  const text =
    state === 'connecting'
      ? 'Connecting to MLX Factory…'
      : state === 'reconnecting'
        ? 'Connection lost — reconnecting…'
        : 'Disconnected from MLX Factory. Reload the page to reconnect.';
  return (
    <div className={`connection-banner ${state}`} role="status" data-connection={state}>
      {state !== 'closed' && <Spinner size={11} />}
      {text}
    </div>
  );
}
