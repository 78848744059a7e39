import type { SessionEvent } from '../../../src/api/events.js';

/**
 * Who wants to know that a batch of events changed a session's commits or state. Its own module, not
 * event-router's: stores that listen (diff-store) are imported by the router, and a listener registered
 * at a store's load must not run into the router's half-evaluated module (an import cycle left
 * `changeListeners` undefined at that moment and the app blank).
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
