import { describe, expect, it } from 'vitest';
import { matchShortcut, shortcutLabel, shortcuts, type KeyContext, type KeyPress } from '../../renderer/src/lib/shortcuts.js';

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({
  key,
  metaKey: false,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  inTextField: false,
  ...extra,
});
const MAC_APP: KeyContext = { mac: true, transport: 'ipc' };
const LINUX_APP: KeyContext = { mac: false, transport: 'ipc' };
const MAC_WEB: KeyContext = { mac: true, transport: 'web' };
const LINUX_WEB: KeyContext = { mac: false, transport: 'web' };

describe('shortcuts', () => {
  it('uses ⌘ on a Mac and Ctrl elsewhere in the desktop app', () => {
    expect(shortcutLabel('new-session', MAC_APP)).toBe('⌘N');
    expect(shortcutLabel('new-session', LINUX_APP)).toBe('Ctrl+N');
    expect(matchShortcut(press('n', { metaKey: true }), MAC_APP)).toBe('new-session');
    expect(matchShortcut(press('n', { ctrlKey: true }), MAC_APP)).toBeNull();
    expect(matchShortcut(press('n', { ctrlKey: true }), LINUX_APP)).toBe('new-session');
    expect(matchShortcut(press('n', { metaKey: true }), LINUX_APP)).toBeNull();
    expect(matchShortcut(press('w', { metaKey: true }), MAC_APP)).toBe('close');
  });

  it('never claims a browser-reserved chord in a browser', () => {
    for (const context of [MAC_WEB, LINUX_WEB]) {
      for (const shortcut of shortcuts(context)) expect(shortcut.chord.mod).toBe(false);
      expect(
        shortcuts(context)
          .map((s) => s.label)
          .join(' '),
      ).not.toMatch(/⌘|Ctrl/);
      expect(matchShortcut(press('n', { ctrlKey: true }), context)).toBeNull();
      expect(matchShortcut(press('w', { metaKey: true }), context)).toBeNull();
      expect(matchShortcut(press('n'), context)).toBe('new-session');
      expect(matchShortcut(press('Escape'), context)).toBe('close');
    }
  });

  it('leaves plain keys to text fields, but Escape and ? work as documented', () => {
    expect(matchShortcut(press('n', { inTextField: true }), LINUX_WEB)).toBeNull();
    expect(matchShortcut(press('?', { shiftKey: true, inTextField: true }), LINUX_WEB)).toBeNull();
    expect(matchShortcut(press('Escape', { inTextField: true }), LINUX_WEB)).toBe('close');
    expect(matchShortcut(press('?', { shiftKey: true }), LINUX_WEB)).toBe('help');
    expect(matchShortcut(press('?', { shiftKey: true }), MAC_APP)).toBe('help');
    expect(matchShortcut(press('N', { shiftKey: true }), LINUX_WEB)).toBeNull();
    expect(matchShortcut(press('n', { altKey: true }), LINUX_WEB)).toBeNull();
  });
});
