import { useUiStore } from '../../state/ui-store.js';
import { InlineMarkdown } from '../transcript/InlineMarkdown.js';
import { Icon } from './Icon.js';

export function Toasts() {
  const toasts = useUiStore((s) => s.toasts);
  const dismiss = useUiStore((s) => s.dismissToast);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast ${toast.tone}`} role={toast.tone === 'danger' ? 'alert' : 'status'}>
          <span className="toast-text">
            <InlineMarkdown text={toast.text} />
          </span>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
            <Icon name="close" size={11} />
          </button>
        </div>
      ))}
    </div>
  );
}
