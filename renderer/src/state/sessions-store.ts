import { create } from 'zustand';
import type { SessionInfo } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import type { SessionGroup } from '../lib/session-filter.js';
import { api } from './api-instance.js';

/** The session list (kept current by `session.updated` events) and its filter. */
interface SessionsStore {
  readonly byId: Readonly<Record<string, SessionInfo>>;
  readonly loaded: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  readonly group: SessionGroup;
  readonly query: string;
  /** Archived sessions are hidden from the list unless this is on. */
  readonly showArchived: boolean;
  setShowArchived(show: boolean): void;
  load(): Promise<void>;
  upsert(info: SessionInfo): void;
  setGroup(group: SessionGroup): void;
  setQuery(query: string): void;
}

export const useSessionsStore = create<SessionsStore>((set, get) => ({
  byId: {},
  loaded: false,
  loading: false,
  error: null,
  group: 'all',
  query: '',
  showArchived: false,
  setShowArchived: (showArchived) => set({ showArchived }),
  async load() {
    if (get().loading) return;
    set({ loading: true });
    const answer = await api().request('sessions.list', {});
    if (answer.ok) {
      const byId: Record<string, SessionInfo> = {};
      for (const session of answer.data.sessions) byId[session.id] = session;
      set({ byId, loaded: true, loading: false, error: null });
    } else {
      set({ loading: false, error: errorText(answer.error) });
    }
  },
  upsert(info) {
    set((state) => ({ byId: { ...state.byId, [info.id]: info } }));
  },
  setGroup: (group) => set({ group }),
  setQuery: (query) => set({ query }),
}));
