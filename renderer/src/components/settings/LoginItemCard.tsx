import { useEffect } from 'react';
import { useLoginItemStore } from '../../state/login-item-store.js';

/**
 * Open at login, with what macOS says about it: on macOS 13+ registering can need the user's
 * approval in System Settings, and until then the setting stays off — said here, not silently.
 */
export function LoginItemCard() {
  const state = useLoginItemStore((s) => s.state);
  const error = useLoginItemStore((s) => s.error);
  useEffect(() => {
    void useLoginItemStore.getState().load();
  }, []);
  const needsApproval = state?.status === 'requires-approval';
  return (
    <fieldset className="card settings-section" data-login-item={state?.status ?? (state?.openAtLogin === true ? 'enabled' : 'off')}>
      <legend className="card-title">This Mac</legend>
      <div className="settings-field">
        <span className="settings-label" />
        <div className="settings-control">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={state?.openAtLogin === true}
              disabled={state === null}
              onChange={(e) => void useLoginItemStore.getState().set(e.target.checked)}
            />
            Open MLX Factory at login
          </label>
          {needsApproval ? (
            <div className="field-hint warning" role="status">
              macOS is waiting for your approval: open System Settings → General → Login Items and allow MLX Factory.
            </div>
          ) : error !== null ? (
            <div className="field-error" role="alert">
              {error}
            </div>
          ) : (
            <div className="field-hint">Starts in the menu bar when you log in.</div>
          )}
        </div>
      </div>
    </fieldset>
  );
}
