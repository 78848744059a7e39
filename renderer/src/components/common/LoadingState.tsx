import { Spinner } from './Spinner.js';

export function LoadingState({ label, compact }: { label: string; compact?: boolean }) {
  return (
    <div className={`loading-state${compact === true ? ' compact' : ''}`} role="status" aria-live="polite">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}
