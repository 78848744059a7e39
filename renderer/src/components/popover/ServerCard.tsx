import { useShallow } from 'zustand/react/shallow';
import { useServerStore } from '../../state/server-store.js';
import { isUnavailable } from '../../lib/api-errors.js';
import { ServerStateBadge } from '../common/ServerStateBadge.js';
import { Spinner } from '../common/Spinner.js';

/** The popover's model server line: state, model, start/stop. */
export function ServerCard() {
  const { status, busy, actionError, start, stop } = useServerStore(
    useShallow((s) => ({ status: s.status, busy: s.busy, actionError: s.actionError, start: s.start, stop: s.stop })),
  );
  const value = status.value;
  const running = value !== null && ['ready', 'adopted', 'starting', 'restarting'].includes(value.state);
  // A server someone else runs (a URL, or one adopted on the port) keeps running: we only let go of it.
  const stopLabel = value?.owned === false ? 'Disconnect' : 'Stop';
  return (
    <section className="pop-card" aria-label="Model server">
      <div className="pop-card-row">
        <span className="pop-card-title">Model server</span>
        {value !== null ? (
          <ServerStateBadge state={value.state} />
        ) : status.error !== null ? (
          <span className="badge neutral">Unavailable</span>
        ) : null}
        <div className="spacer" />
        {value !== null && (
          <button
            type="button"
            className={`btn small${running ? '' : ' primary'}`}
            disabled={busy !== null || value.state === 'stopping'}
            onClick={() => void (running ? stop() : start())}
          >
            {busy !== null && <Spinner size={10} />}
            {running ? stopLabel : 'Start'}
          </button>
        )}
      </div>
      {value !== null ? (
        <>
          <div className="pop-model mono" title={value.model}>
            {value.model}
          </div>
          {value.detail !== '' && <div className="pop-detail">{value.detail}</div>}
        </>
      ) : status.error !== null ? (
        <div className="pop-detail">
          {isUnavailable(status.errorCode) ? 'Server controls are not available in this build yet.' : status.error}
        </div>
      ) : (
        <div className="pop-detail">Checking…</div>
      )}
      {actionError !== null && <div className="pop-error">{actionError}</div>}
    </section>
  );
}
