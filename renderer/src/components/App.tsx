import { useEffect, type DragEvent } from 'react';
import { useGlobalShortcuts } from '../hooks/use-global-shortcuts.js';
import { api } from '../state/api-instance.js';
import { useNewSessionStore } from '../state/new-session-store.js';
import { useUiStore } from '../state/ui-store.js';
import { ConfirmDialog } from './common/ConfirmDialog.js';
import { ConnectionBanner } from './common/ConnectionBanner.js';
import { Toasts } from './common/Toasts.js';
import { DashboardView } from './dashboard/DashboardView.js';
import { ShortcutSheet } from './common/ShortcutSheet.js';
import { NewSessionSheet } from './new-session/NewSessionSheet.js';
import { PopoverView } from './popover/PopoverView.js';

/** The window: the popover or the dashboard, plus what floats above both (sheet, dialog, toasts). */
export function App() {
  const route = useUiStore((s) => s.route);
  const popover = route.view === 'popover';
  useGlobalShortcuts(popover);

  useEffect(() => {
    const sync = (): void => useUiStore.getState().syncFromLocation();
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, []);

  // A folder dropped anywhere on the window starts a New session with it.
  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    const file = event.dataTransfer.files[0];
    if (file === undefined) return;
    event.preventDefault();
    const path = api().pathForFile(file);
    const sheet = useNewSessionStore.getState();
    if (path !== null) sheet.open({ folder: path });
    else {
      sheet.open();
      sheet.setDropNotice(`Your browser does not reveal where “${file.name}” is. Type its full path instead.`);
    }
  };

  return (
    <div className={`app${popover ? ' is-popover' : ''}`} onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <ConnectionBanner />
      {popover ? <PopoverView /> : <DashboardView />}
      <NewSessionSheet
        compact={popover}
        onStarted={(id) => {
          if (!popover) useUiStore.getState().navigate({ view: 'sessions', session: id, tab: 'transcript' });
        }}
      />
      <ConfirmDialog />
      <ShortcutSheet />
      <Toasts />
    </div>
  );
}
