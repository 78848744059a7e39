/**
 * The app's keyboard shortcuts, per platform and front door. In the desktop app the Mac's ⌘ (Ctrl
 * elsewhere) works as in any app. A browser keeps ⌘/Ctrl+N, W, T and ⌘, for itself (the page
 * never sees them), so there the same actions sit on plain keys, taken only when no text field
 * has the focus — as GitHub and Gmail do. Pure: the sheet (`?`) and the handler read one table.
 */
export type ShortcutId = 'new-session' | 'close' | 'settings' | 'help' | 'transcript-tab' | 'changes-tab' | 'toggle-list';

export interface KeyContext {
  /** The keyboard's machine is a Mac (⌘), else Ctrl. */
  readonly mac: boolean;
  /** 'web': a browser tab (plain keys); 'ipc': the desktop app (⌘/Ctrl chords). */
  readonly transport: 'ipc' | 'web';
}

interface Chord {
  readonly key: string;
  readonly mod: boolean;
  readonly shift?: boolean;
}

export interface Shortcut {
  readonly id: ShortcutId;
  readonly description: string;
  /** What to press, as the keycaps on this machine show it (e.g. "⌘N", "Ctrl+N", "N"). */
  readonly label: string;
  readonly chord: Chord;
}

const DESCRIPTIONS: Record<ShortcutId, string> = {
  'new-session': 'New session',
  close: 'Close the dialog, else the open session',
  settings: 'Settings',
  help: 'Show these shortcuts',
  'transcript-tab': 'Show the transcript',
  'changes-tab': 'Show the changes',
  'toggle-list': 'Show or hide the session list',
};

/** The chord of each action: ⌘/Ctrl in the desktop app, a plain key in a browser. */
function chordFor(id: ShortcutId, transport: KeyContext['transport']): Chord {
  const web = transport === 'web';
  switch (id) {
    case 'new-session':
      return web ? { key: 'n', mod: false } : { key: 'n', mod: true };
    case 'close':
      return web ? { key: 'Escape', mod: false } : { key: 'w', mod: true };
    case 'settings':
      return web ? { key: ',', mod: false } : { key: ',', mod: true };
    case 'help':
      return { key: '?', mod: false, shift: true };
    case 'transcript-tab':
      return web ? { key: '1', mod: false } : { key: '1', mod: true };
    case 'changes-tab':
      return web ? { key: '2', mod: false } : { key: '2', mod: true };
    case 'toggle-list':
      return web ? { key: '\\', mod: false } : { key: '\\', mod: true };
  }
}

const KEYCAPS: Record<string, string> = { Escape: 'Esc', '\\': '\\', ',': ',' };

function chordLabel(chord: Chord, mac: boolean): string {
  const cap = KEYCAPS[chord.key] ?? chord.key.toUpperCase();
  if (chord.key === '?') return '?';
  if (!chord.mod) return cap;
  return mac ? `⌘${cap}` : `Ctrl+${cap}`;
}

export function shortcuts(context: KeyContext): Shortcut[] {
  return (Object.keys(DESCRIPTIONS) as ShortcutId[]).map((id) => {
    const chord = chordFor(id, context.transport);
    return { id, description: DESCRIPTIONS[id], chord, label: chordLabel(chord, context.mac) };
  });
}

export function shortcutLabel(id: ShortcutId, context: KeyContext): string {
  return chordLabel(chordFor(id, context.transport), context.mac);
}

/** The label of "⌘↩ / Ctrl+↩" (submit a form), which browsers leave to the page. */
export function submitLabel(mac: boolean): string {
  return mac ? '⌘↩' : 'Ctrl+↩';
}

export interface KeyPress {
  readonly key: string;
  readonly metaKey: boolean;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
  /** The focus is in a text field (plain-key shortcuts must leave typing alone). */
  readonly inTextField: boolean;
}

/** Whether the platform's command modifier is down (⌘ alone on a Mac, Ctrl elsewhere). */
function commandKeyDown(press: Pick<KeyPress, 'metaKey' | 'ctrlKey'>, mac: boolean): boolean {
  return mac ? press.metaKey && !press.ctrlKey : press.ctrlKey && !press.metaKey;
}

/** Which shortcut a key press is, if any. */
export function matchShortcut(press: KeyPress, context: KeyContext): ShortcutId | null {
  if (press.altKey) return null;
  for (const shortcut of shortcuts(context)) {
    const { chord } = shortcut;
    if (press.key.toLowerCase() !== chord.key.toLowerCase() && press.key !== chord.key) continue;
    if (chord.mod) {
      if (!commandKeyDown(press, context.mac)) continue;
      if ((chord.shift ?? false) !== press.shiftKey) continue;
      return shortcut.id;
    }
    if (press.metaKey || press.ctrlKey) continue;
    // Escape works everywhere; other plain keys only outside text fields.
    if (press.inTextField && chord.key !== 'Escape') continue;
    if (chord.key !== '?' && chord.key !== 'Escape' && press.shiftKey) continue;
    return shortcut.id;
  }
  return null;
}

/** The keyboard's machine, from the browser (the host may run elsewhere). */
export function isMacPlatform(platform: string): boolean {
  return /mac|iphone|ipad/i.test(platform);
}
