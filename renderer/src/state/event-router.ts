import type { FactoryApi } from '../../../src/api/client/factory-api.js';
import type { SessionEvent } from '../../../src/api/events.js';
import { GLOBAL_STREAM, isGlobalEvent } from '../../../src/api/global-events.js';
import { animationFrameScheduler, FrameBatcher } from '../lib/frame-batcher.js';
import { useConnectionStore } from './connection-store.js';
import { useDiffStore } from './diff-store.js';
import { notifySessionChanged } from './session-changes.js';
import { useMemoryStore } from './memory-store.js';
import { useRepoEvalStore } from './repo-eval-store.js';
import { useRuntimeStore } from './runtime-store.js';
import { useRunStore } from './run-store.js';
import { useModelsStore } from './models-store.js';
import { useNewSessionStore } from './new-session-store.js';
import { useServerStore } from './server-store.js';
import { useSessionDetailStore } from './session-detail-store.js';
import { useSessionsStore } from './sessions-store.js';
import { useTranscriptStore } from './transcript-store.js';
import { useUiStore } from './ui-store.js';

/**
 * Routes every event from the API to its store. Session events go through a per-frame batcher
 * (token deltas arrive hundreds per second); global ones (server, memory, list rows) are rare and
 * applied at once. Events that change a session's commits or state also refresh its details.
 */
const REFRESHING: ReadonlySet<SessionEvent['type']> = new Set([
  'commit',
  'session.finished',
  'rollback',
  'merge',
  'discard',
  'session.resumed',
  'session.interrupted',
  'series.started',
  'push',
  'pr',
]);

export function startEventRouting(api: FactoryApi): () => void {
  const batcher = new FrameBatcher<SessionEvent>((events) => {
    useTranscriptStore.getState().apply(events);
    const changed = new Map<string, Set<SessionEvent['type']>>();
    for (const event of events) {
      if (!REFRESHING.has(event.type)) continue;
      const types = changed.get(event.session) ?? new Set();
      types.add(event.type);
      changed.set(event.session, types);
    }
    for (const [session, types] of changed) {
      if (useSessionDetailStore.getState().entries[session] !== undefined) void useSessionDetailStore.getState().load(session);
      notifySessionChanged(session, types);
    }
  }, animationFrameScheduler());

  const stopEvents = api.onEvent((event) => {
    if (!isGlobalEvent(event)) {
      batcher.push(event);
      return;
    }
    switch (event.type) {
      case 'server.state':
      case 'server.log':
        useServerStore.getState().onEvent(event);
        return;
      case 'memory.sample': {
        const { type: _type, session: _session, seq: _seq, ...sample } = event;
        useMemoryStore.getState().add(sample);
        return;
      }
      case 'model.pull':
        useModelsStore.getState().onPull(event);
        return;
      case 'runtime.install':
        useRuntimeStore.getState().onProgress(event);
        return;
      case 'eval.progress':
        useRepoEvalStore.getState().onProgress(event.repo, event.progress);
        return;
      case 'session.updated':
        useSessionsStore.getState().upsert(event.info);
        return;
      case 'run.output':
        useRunStore.getState().onOutput(event);
        return;
      case 'session.refsMoved':
        useDiffStore.getState().onRefsMoved(event);
        return;
      case 'app.newSession':
        // A folder dropped on the tray icon: the main process shows the dashboard, which asks.
        if (useUiStore.getState().route.view !== 'popover') useNewSessionStore.getState().open({ status: event.repo });
        return;
    }
  });

  const stopConnection = api.onConnectionChange((state, error) => {
    const previous = useConnectionStore.getState().state;
    useConnectionStore.getState().setState(state, error);
    // Back after a drop: what the global stream may have missed is fetched again.
    if (state === 'open' && previous === 'reconnecting') void refreshGlobalState(api);
  });
  useConnectionStore.getState().setState(api.connectionState, api.connectionError);

  return () => {
    stopEvents();
    stopConnection();
  };
}

async function refreshGlobalState(api: FactoryApi): Promise<void> {
  const answer = await api.subscribe(GLOBAL_STREAM);
  if (answer.ok && answer.data.gap) {
    void useSessionsStore.getState().load();
    void useServerStore.getState().loadStatus();
    void useMemoryStore.getState().load();
  }
}

/** First load: follow the global stream, then fetch what each view starts from. */
export async function bootData(api: FactoryApi): Promise<void> {
  void useConnectionStore.getState().loadInfo();
  await api.subscribe(GLOBAL_STREAM);
  void useSessionsStore.getState().load();
  void useServerStore.getState().loadStatus();
  void useMemoryStore.getState().load();
}
