import { create } from 'zustand';
import type { SessionDetail } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** `sessions.show` per session: the task, commits (for the timeline), the last verdict. */
interface DetailEntry {
  readonly detail: SessionDetail | null;
  readonly loading: boolean;
  readonly error: string | null;
}

interface SessionDetailStore {
  readonly entries: Readonly<Record<string, DetailEntry>>;
  load(id: string): Promise<void>;
}

const inFlight = new Map<string, Promise<void>>();

export const useSessionDetailStore = create<SessionDetailStore>((set, get) => ({
  entries: {},
  load(id) {
    const running = inFlight.get(id);
    if (running !== undefined) return running;
    const previous = get().entries[id];
    set((state) => ({ entries: { ...state.entries, [id]: { detail: previous?.detail ?? null, loading: true, error: null } } }));
    const job = (async () => {
      const answer = await api().request('sessions.show', { id });
      set((state) => ({
        entries: {
          ...state.entries,
          [id]: answer.ok
            ? { detail: answer.data, loading: false, error: null }
            : { detail: state.entries[id]?.detail ?? null, loading: false, error: errorText(answer.error) },
        },
      }));
    })().finally(() => inFlight.delete(id));
    inFlight.set(id, job);
    return job;
  },
}));
