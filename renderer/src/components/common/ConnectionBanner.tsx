import { useConnectionStore } from '../../state/connection-store.js';
import { Spinner } from './Spinner.js';

/** Shown only while the link to the host is down; the WebSocket client reconnects by itself. */
export function ConnectionBanner() {
  const state = useConnectionStore((s) => s.state);
  if (state === 'open') return null;
  const text = state === 'connecting' ? 'Connecting to MLX Factory…' : state === 'reconnecting' ? 'Connection lost — reconnecting…' : 'Disconnected from MLX Factory. Reload the page to reconnect.';
  return (
    <div className={`connection-banner ${state}`} role="status" data-connection={state}>
      {state !== 'closed' && <Spinner size={11} />}
      {text}
    </div>
  );
}
