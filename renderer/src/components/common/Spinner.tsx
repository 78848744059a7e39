export function Spinner({ size = 14, label }: { size?: number; label?: string }) {
  return <span className="spinner" style={{ width: size, height: size }} role="progressbar" aria-label={label ?? 'Loading'} />;
}
