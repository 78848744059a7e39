import { useEffect } from 'react';
import { matchShortcut, type ShortcutId } from '../lib/shortcuts.js';
import { useLayoutStore } from '../state/layout-store.js';
import { useNewSessionStore } from '../state/new-session-store.js';
import { useUiStore } from '../state/ui-store.js';
import { keyContext } from './use-key-context.js';

/**
 * The window's shortcuts (lib/shortcuts.ts has the table): ⌘/Ctrl chords in the desktop app,
 * plain keys in a browser, which keeps ⌘/Ctrl+N and W for itself. Escape always closes what is
 * on top: the shortcut sheet, a dialog, the New session sheet, else (in a browser) the open session.
 */
function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  // Monaco's hidden input counts as typing too.
  return target.closest('input, textarea, select, [contenteditable="true"], .monaco-editor') !== null;
}

export function useGlobalShortcuts(popover: boolean): void {
  useEffect(() => {
    const context = keyContext();
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented) return;
      const typing = inTextField(event.target);
      const id = matchShortcut(
        {
          key: event.key,
          metaKey: event.metaKey,
          ctrlKey: event.ctrlKey,
          altKey: event.altKey,
          shiftKey: event.shiftKey,
          inTextField: typing,
        },
        context,
      );
      if (id === null) {
        // Escape closes overlays in the desktop app too (where "close" is ⌘W).
        if (event.key === 'Escape') closeOverlay();
        return;
      }
      // Escape in a text field closes an overlay, never the session behind it.
      if (id === 'close' && event.key === 'Escape' && typing) {
        if (closeOverlay()) event.preventDefault();
        return;
      }
      if (run(id, popover)) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [popover]);
}

/** Closes the topmost overlay; false when there was none. */
function closeOverlay(): boolean {
  const ui = useUiStore.getState();
  if (ui.shortcutsOpen) {
    ui.setShortcutsOpen(false);
    return true;
  }
  if (ui.confirmation !== null) {
    ui.dismissConfirmation();
    return true;
  }
  const sheet = useNewSessionStore.getState();
  if (sheet.isOpen) {
    sheet.close();
    return true;
  }
  return false;
}

function run(id: ShortcutId, popover: boolean): boolean {
  const ui = useUiStore.getState();
  const route = ui.route;
  switch (id) {
    case 'new-session':
      useNewSessionStore.getState().open();
      return true;
    case 'settings':
      if (!popover) ui.navigate({ view: 'settings' });
      return true;
    case 'help':
      ui.setShortcutsOpen(!ui.shortcutsOpen);
      return true;
    case 'transcript-tab':
    case 'changes-tab':
      if (route.view !== 'sessions' || route.session === null) return false;
      ui.navigate({ ...route, tab: id === 'changes-tab' ? 'diff' : 'transcript' });
      return true;
    case 'toggle-list':
      if (popover) return false;
      useLayoutStore.getState().toggleList();
      return true;
    case 'close':
      if (closeOverlay()) return true;
      if (!popover && route.view === 'sessions' && route.session !== null) {
        ui.navigate({ view: 'sessions', session: null, tab: 'transcript' });
        return true;
      }
      // Nothing left to close inside: close the window (Electron allows it; a browser tab may refuse).
      if (keyContextIsDesktop()) window.close();
      return true;
  }
}

function keyContextIsDesktop(): boolean {
  return keyContext().transport === 'ipc';
}
