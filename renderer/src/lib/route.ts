/**
 * The app's places, kept in the URL's hash so the Electron main process can open a window on one
 * (`#popover`, `#dashboard/session/ID`) and a browser's back button works. The `?token=` query of
 * the browser host is left alone.
 */
export type SessionTab = 'transcript' | 'diff';

export type Route =
  | { readonly view: 'popover' }
  | { readonly view: 'sessions'; readonly session: string | null; readonly tab: SessionTab }
  | { readonly view: 'memory' }
  | { readonly view: 'server' }
  | { readonly view: 'models' }
  | { readonly view: 'settings' }
  | { readonly view: 'cleanup' };

const DEFAULT_ROUTE: Route = { view: 'sessions', session: null, tab: 'transcript' };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (parts[0] === 'popover') return { view: 'popover' };
  // `dashboard/…` is the Electron main process's spelling; the rest is the same without it.
  const [a, b, c] = parts[0] === 'dashboard' ? parts.slice(1) : parts;
  if (a === undefined || a === 'sessions' || a === 'session') {
    if (b === undefined) return DEFAULT_ROUTE;
    return { view: 'sessions', session: b, tab: c === 'diff' ? 'diff' : 'transcript' };
  }
  if (a === 'memory') return { view: 'memory' };
  if (a === 'server') return { view: 'server' };
  if (a === 'models') return { view: 'models' };
  if (a === 'settings') return { view: 'settings' };
  if (a === 'cleanup') return { view: 'cleanup' };
  return DEFAULT_ROUTE;
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'popover':
      return '#popover';
    case 'sessions':
      if (route.session === null) return '#sessions';
      return `#sessions/${encodeURIComponent(route.session)}${route.tab === 'diff' ? '/diff' : ''}`;
    default:
      return `#${route.view}`;
  }
}
