import { create } from 'zustand';
import type { MemorySample } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** Memory samples (history from the host, then live `memory.sample` events), oldest first. */
const SAMPLES_KEPT = 1800;

interface MemoryStore {
  readonly samples: readonly MemorySample[];
  readonly loaded: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  load(): Promise<void>;
  add(sample: MemorySample): void;
}

export const useMemoryStore = create<MemoryStore>((set, get) => ({
  samples: [],
  loaded: false,
  loading: false,
  error: null,
  async load() {
    if (get().loading) return;
    set({ loading: true });
    const answer = await api().request('memory.history', {});
    if (!answer.ok) {
      set({ loading: false, error: errorText(answer.error) });
      return;
    }
    // Live samples may have arrived while the history was on its way: merge by time.
    set((state) => {
      const known = new Set(answer.data.samples.map((s) => s.time));
      const merged = [...answer.data.samples, ...state.samples.filter((s) => !known.has(s.time))].sort((a, b) =>
        a.time.localeCompare(b.time),
      );
      return { samples: merged.slice(-SAMPLES_KEPT), loaded: true, loading: false, error: null };
    });
  },
  add(sample) {
    set((state) => {
      const samples = [...state.samples, sample];
      if (samples.length > SAMPLES_KEPT) samples.splice(0, samples.length - SAMPLES_KEPT);
      return { samples };
    });
  },
}));
