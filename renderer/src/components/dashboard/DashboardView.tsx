import { useEffect, useMemo } from 'react';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useTranscriptStore } from '../../state/transcript-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { MemoryView } from '../memory/MemoryView.js';
import { ModelsView } from '../models/ModelsView.js';
import { ServerView } from '../server/ServerView.js';
import { SettingsView } from '../settings/SettingsView.js';
import { CleanupView } from '../cleanup/CleanupView.js';
import { SessionsPage } from './SessionsPage.js';
import { Sidebar } from './Sidebar.js';

/** At most this many running sessions are followed live in the background. */
const FOLLOW_RUNNING = 8;

export function DashboardView() {
  const route = useUiStore((s) => s.route);
  const open = route.view === 'sessions' ? route.session : null;
  const runningKey = useSessionsStore((s) =>
    Object.values(s.byId)
      .filter((x) => x.state === 'running')
      .map((x) => x.id)
      .sort()
      .join(' '),
  );
  const wanted = useMemo(() => {
    const running = runningKey === '' ? [] : runningKey.split(' ').slice(0, FOLLOW_RUNNING);
    return Array.from(new Set([...(open !== null ? [open] : []), ...running]));
  }, [open, runningKey]);

  // Follow the open session and the running ones, so switching to one shows it at once.
  useEffect(() => {
    useTranscriptStore.getState().syncFollows(wanted);
  }, [wanted]);

  let content;
  switch (route.view) {
    case 'memory':
      content = <MemoryView />;
      break;
    case 'server':
      content = <ServerView />;
      break;
    case 'models':
      content = <ModelsView />;
      break;
    case 'settings':
      content = <SettingsView />;
      break;
    case 'cleanup':
      content = <CleanupView />;
      break;
    default:
      content = <SessionsPage session={open} tab={route.view === 'sessions' ? route.tab : 'transcript'} />;
  }
  return (
    <div className="dashboard">
      <Sidebar />
      <main className="content">{content}</main>
    </div>
  );
}
