import { create } from 'zustand';
import type { RuntimeInstallPayload, RuntimeStatus } from '../../../src/api/runtime-install.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';
import { useModelsStore } from './models-store.js';
import { useServerStore } from './server-store.js';

/**
 * The MLX runtime: whether it is there (`runtime.status`) and the app's install of it, live from
 * `runtime.install` events. One store, so the Doctor, the Models view and the Server view show the
 * same install and the same reason Download waits.
 */
interface RuntimeStore {
  readonly status: RuntimeStatus | null;
  readonly error: string | null;
  /** The install now or last (null before any since the page loaded and the host knew none). */
  readonly install: RuntimeInstallPayload | null;
  /** Every line the install printed since it started (the details under the progress). */
  readonly lines: readonly string[];
  load(): Promise<void>;
  start(): Promise<void>;
  cancel(): Promise<void>;
  onProgress(progress: RuntimeInstallPayload): void;
}

const LINES_KEPT = 400;
const ENDED = new Set<RuntimeInstallPayload['phase']>(['done', 'failed', 'cancelled']);

export function isInstalling(install: RuntimeInstallPayload | null): boolean {
  return install !== null && !ENDED.has(install.phase);
}

export const useRuntimeStore = create<RuntimeStore>((set, get) => ({
  status: null,
  error: null,
  install: null,
  lines: [],
  async load() {
    const answer = await api().request('runtime.status', {});
    if (!answer.ok) {
      set({ error: errorText(answer.error) });
      return;
    }
    set((s) => ({ status: answer.data, error: null, install: s.install ?? answer.data.install }));
  },
  async start() {
    set({ lines: [], error: null });
    const answer = await api().request('runtime.install', {});
    if (!answer.ok) set({ error: errorText(answer.error) });
  },
  async cancel() {
    const answer = await api().request('runtime.cancelInstall', {});
    if (!answer.ok) set({ error: errorText(answer.error) });
  },
  onProgress(progress) {
    set((s) => {
      // A redraw of pip's bar replaces the line before it; other lines are added.
      const same = progress.line === '' || s.lines.at(-1) === progress.line;
      const lines = same
        ? [...s.lines]
        : progress.redraw && s.install?.redraw === true
          ? [...s.lines.slice(0, -1), progress.line]
          : [...s.lines, progress.line];
      if (lines.length > LINES_KEPT) lines.splice(0, lines.length - LINES_KEPT);
      return {
        install: progress,
        lines,
        status: s.status === null ? null : { ...s.status, state: ENDED.has(progress.phase) ? s.status.state : 'installing' },
      };
    });
    if (ENDED.has(progress.phase)) {
      // What the runtime unlocks follows at once: the status, the doctor, the models' Download.
      void get().load();
      void useServerStore.getState().runDoctor();
      void useModelsStore.getState().load();
    }
  },
}));
