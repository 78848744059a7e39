import type { SessionEvent } from '../../../src/api/events.js';

/**
 * Who hears that a batch changed a session's commits or state. Its own module, imported by the
 * event router and by the stores that listen: were it in the router, a store the router imports
 * would call onSessionChanged before the router's listener set exists (an import cycle; the
 * bundled page died at start with "Cannot read properties of undefined (reading 'add')").
 */
type Listener = (session: string, types: ReadonlySet<SessionEvent['type']>) => void;
const changeListeners = new Set<Listener>();

/** Called after a batch touched a session with an event that changes its commits or state. */
export function onSessionChanged(listener: Listener): () => void {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

export function notifySessionChanged(session: string, types: ReadonlySet<SessionEvent['type']>): void {
  for (const listener of changeListeners) listener(session, types);
}
