import { describe, expect, it } from 'vitest';
import { popoverPosition } from '../../src/host/popover-position.js';

const size = { width: 380, height: 520 };
const workArea = { x: 0, y: 25, width: 1440, height: 875 };

describe('popoverPosition', () => {
  it('centres the popover under the tray icon, just below the menu bar', () => {
    expect(popoverPosition({ x: 1000, y: 0, width: 24, height: 24 }, size, workArea)).toEqual({ x: 1000 + 12 - 190, y: 25 });
  });

  it('keeps it inside the display near the right edge', () => {
    expect(popoverPosition({ x: 1420, y: 0, width: 20, height: 24 }, size, workArea)).toEqual({ x: 1440 - 380, y: 25 });
  });

  it('puts it above a taskbar at the bottom', () => {
    const bottom = { x: 0, y: 0, width: 1920, height: 1040 };
    expect(popoverPosition({ x: 1500, y: 1045, width: 24, height: 30 }, size, bottom)).toEqual({ x: 1500 + 12 - 190, y: 1040 - 520 });
  });

  it('falls back to the top-right corner when the tray reports no bounds (Linux)', () => {
    expect(popoverPosition({ x: 0, y: 0, width: 0, height: 0 }, size, workArea)).toEqual({ x: 1440 - 380, y: 25 });
  });

  it('works on a second display to the left', () => {
    const left = { x: -1920, y: 0, width: 1920, height: 1080 };
    expect(popoverPosition({ x: -100, y: 0, width: 24, height: 24 }, size, left)).toEqual({ x: -1920 + 1920 - 380, y: 0 });
  });
});
