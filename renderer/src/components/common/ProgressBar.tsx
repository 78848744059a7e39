/** A thin bar (token budget, memory): value of max, turning amber then red as it fills. */
export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const ratio = max > 0 ? Math.min(1, value / max) : 0;
  const tone = ratio >= 0.9 ? 'danger' : ratio >= 0.7 ? 'warning' : 'accent';
  return (
    <div className={`progress ${tone}`} role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value}>
      <div className="progress-fill" style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
    </div>
  );
}
