/**
 * Where the tray popover goes: centred under the tray icon, at the top of the work area (below the
 * menu bar), and kept inside the display. Pure, so it is tested without Electron.
 */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function popoverPosition(trayBounds: Rect, size: { width: number; height: number }, workArea: Rect): { x: number; y: number } {
  // Linux trays report empty bounds: fall back to the top-right corner of the work area.
  const anchorX = trayBounds.width > 0 ? trayBounds.x + trayBounds.width / 2 : workArea.x + workArea.width - size.width / 2;
  const minX = workArea.x;
  const maxX = workArea.x + workArea.width - size.width;
  const x = Math.round(Math.min(Math.max(anchorX - size.width / 2, minX), maxX));
  // A menu bar at the top (macOS): just below it. A taskbar at the bottom (Windows): just above it.
  const trayAtBottom = trayBounds.height > 0 && trayBounds.y > workArea.y + workArea.height / 2;
  const y = trayAtBottom ? Math.round(workArea.y + workArea.height - size.height) : Math.round(workArea.y);
  return { x, y };
}
