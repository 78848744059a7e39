/** The app's few glyphs, drawn as SF Symbols-like strokes so they follow the text colour. */
export type IconName =
  | 'plus'
  | 'sessions'
  | 'memory'
  | 'server'
  | 'settings'
  | 'folder'
  | 'chevron-right'
  | 'chevron-down'
  | 'close'
  | 'window'
  | 'warning'
  | 'check'
  | 'x'
  | 'arrow-down'
  | 'refresh'
  | 'search'
  | 'info';

const PATHS: Record<IconName, string> = {
  plus: 'M8 3v10M3 8h10',
  sessions: 'M3 4h10M3 8h10M3 12h6',
  memory: 'M2.5 12.5l3-4 3 2 5-6',
  server: 'M3 3.5h10v3.5H3zM3 9h10v3.5H3zM5 5.25h.01M5 10.75h.01',
  settings:
    'M8 5.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5zM8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4',
  folder: 'M2 4.5h4l1.5 1.5H14v6.5H2z',
  'chevron-right': 'M6 3.5l4.5 4.5L6 12.5',
  'chevron-down': 'M3.5 6l4.5 4.5L12.5 6',
  close: 'M4 4l8 8M12 4l-8 8',
  window: 'M2.5 3.5h11v9h-11zM2.5 6h11',
  warning: 'M8 2l6.5 11.5h-13zM8 6.5v3.5M8 12h.01',
  check: 'M3 8.5l3 3 7-7',
  x: 'M4.5 4.5l7 7M11.5 4.5l-7 7',
  'arrow-down': 'M8 3v10M4 9l4 4 4-4',
  refresh: 'M13 8a5 5 0 1 1-1.5-3.5M13 2.5v3h-3',
  search: 'M7 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM10 10l3.5 3.5',
  info: 'M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2zM8 7.5V11M8 5h.01',
};

export function Icon({ name, size = 14, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className}
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.5}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
