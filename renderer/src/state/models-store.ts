import { create } from 'zustand';
import type { ModelPullPayload } from '../../../src/api/model-pull.js';
import type { ModelInfo } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** The Models view: the catalog (recommended + on disk), and each download's latest progress. */
interface ModelsStore {
  readonly models: ModelInfo[] | null;
  readonly current: string | null;
  readonly loading: boolean;
  readonly error: string | null;
  readonly pulls: Readonly<Record<string, ModelPullPayload>>;
  /** Per model: an action failed (pull refused, delete failed). */
  readonly actionErrors: Readonly<Record<string, string>>;
  load(): Promise<void>;
  pull(model: string): Promise<boolean>;
  cancel(model: string): Promise<void>;
  remove(model: string): Promise<boolean>;
  onPull(progress: ModelPullPayload): void;
}

const ENDED = new Set<ModelPullPayload['phase']>(['done', 'failed', 'cancelled']);

export function isPulling(progress: ModelPullPayload | undefined): boolean {
  return progress !== undefined && !ENDED.has(progress.phase);
}

export const useModelsStore = create<ModelsStore>((set, get) => ({
  models: null,
  current: null,
  loading: false,
  error: null,
  pulls: {},
  actionErrors: {},
  async load() {
    set({ loading: true });
    const answer = await api().request('models.list', {});
    if (!answer.ok) {
      set({ loading: false, error: errorText(answer.error) });
      return;
    }
    const pulls = { ...get().pulls };
    for (const p of answer.data.pulls ?? []) pulls[p.model] ??= p;
    // The local catalog when the host has one (it is the same whatever server is chosen).
    set({ loading: false, error: null, models: answer.data.local ?? answer.data.models, current: answer.data.current, pulls });
  },
  async pull(model) {
    set((s) => ({ actionErrors: omit(s.actionErrors, model) }));
    const answer = await api().request('models.pull', { model });
    if (!answer.ok) set((s) => ({ actionErrors: { ...s.actionErrors, [model]: errorText(answer.error) } }));
    return answer.ok;
  },
  async cancel(model) {
    const answer = await api().request('models.cancelPull', { model });
    if (!answer.ok) set((s) => ({ actionErrors: { ...s.actionErrors, [model]: errorText(answer.error) } }));
  },
  async remove(model) {
    const answer = await api().request('models.remove', { model });
    if (!answer.ok) {
      set((s) => ({ actionErrors: { ...s.actionErrors, [model]: errorText(answer.error) } }));
      return false;
    }
    set((s) => ({ pulls: omit(s.pulls, model), actionErrors: omit(s.actionErrors, model) }));
    await get().load();
    return true;
  },
  onPull(progress) {
    set((s) => ({ pulls: { ...s.pulls, [progress.model]: progress } }));
    // A finished (or failed) pull changes what is on disk: the table shows it at once.
    if (ENDED.has(progress.phase)) void get().load();
  },
}));

function omit<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}
