import { useEffect } from 'react';
import { useNewSessionStore } from '../state/new-session-store.js';
import { useUiStore } from '../state/ui-store.js';

/**
 * ⌘N new session, ⌘W close (the sheet or dialog, else the open session, else the window), ⌘,
 * settings. On Linux and Windows Ctrl stands in for ⌘ (a browser keeps Ctrl+N/W for itself, so
 * there the app's own buttons are the way).
 */
export function isModKey(event: KeyboardEvent): boolean {
  return navigator.platform.toLowerCase().includes('mac') ? event.metaKey && !event.ctrlKey : event.ctrlKey || event.metaKey;
}

export function useGlobalShortcuts(popover: boolean): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') {
        const ui = useUiStore.getState();
        if (ui.confirmation !== null) ui.dismissConfirmation();
        else if (useNewSessionStore.getState().isOpen) useNewSessionStore.getState().close();
        return;
      }
      if (!isModKey(event) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 'n' && !event.shiftKey) {
        event.preventDefault();
        useNewSessionStore.getState().open();
      } else if (key === ',') {
        event.preventDefault();
        if (!popover) useUiStore.getState().navigate({ view: 'settings' });
      } else if (key === 'w') {
        event.preventDefault();
        closeSomething(popover);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [popover]);
}

function closeSomething(popover: boolean): void {
  const ui = useUiStore.getState();
  if (ui.confirmation !== null) {
    ui.dismissConfirmation();
    return;
  }
  const sheet = useNewSessionStore.getState();
  if (sheet.isOpen) {
    sheet.close();
    return;
  }
  const route = ui.route;
  if (!popover && route.view === 'sessions' && route.session !== null) {
    ui.navigate({ view: 'sessions', session: null, tab: 'transcript' });
    return;
  }
  // Nothing left to close inside: close the window (Electron allows it; a browser tab may refuse).
  window.close();
}
