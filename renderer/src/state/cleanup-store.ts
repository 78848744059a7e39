import { create } from 'zustand';
import type { BulkResult, WorktreeUsage } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { plural } from '../lib/display-format.js';
import { api } from './api-instance.js';
import { useSessionsStore } from './sessions-store.js';
import { useUiStore } from './ui-store.js';

/** Bulk actions on sessions (discard many, archive) and the disk their worktrees take. */
interface CleanupStore {
  readonly usage: Readonly<Record<string, WorktreeUsage>>;
  readonly totalBytes: number | null;
  readonly usageLoading: boolean;
  readonly usageError: string | null;
  readonly busy: boolean;
  loadUsage(): Promise<void>;
  /** Discards the sessions; a toast says how it went. Answers the per-session results. */
  discardMany(ids: readonly string[]): Promise<BulkResult[]>;
  archive(ids: readonly string[], archived: boolean): Promise<boolean>;
}

export const useCleanupStore = create<CleanupStore>((set, get) => ({
  usage: {},
  totalBytes: null,
  usageLoading: false,
  usageError: null,
  busy: false,
  async loadUsage() {
    set({ usageLoading: true });
    const answer = await api().request('sessions.diskUsage', {});
    if (!answer.ok) {
      set({ usageLoading: false, usageError: errorText(answer.error) });
      return;
    }
    const usage: Record<string, WorktreeUsage> = {};
    for (const entry of answer.data.sessions) usage[entry.id] = entry;
    set({ usage, totalBytes: answer.data.totalBytes, usageLoading: false, usageError: null });
  },
  async discardMany(ids) {
    if (get().busy || ids.length === 0) return [];
    set({ busy: true });
    const answer = await api().request('sessions.discardMany', { ids: [...ids] });
    set({ busy: false });
    const toast = useUiStore.getState().toast;
    if (!answer.ok) {
      toast('danger', errorText(answer.error));
      return [];
    }
    const done = answer.data.results.filter((r) => r.ok).length;
    const failed = answer.data.results.filter((r) => !r.ok);
    if (failed.length === 0) toast('success', `Discarded ${plural(done, 'session')}; the work is kept under archive refs.`);
    else toast('danger', `Discarded ${plural(done, 'session')}; ${failed.length} could not be: ${failed[0]?.error?.message ?? ''}`);
    void useSessionsStore.getState().load();
    void get().loadUsage();
    return answer.data.results;
  },
  async archive(ids, archived) {
    if (ids.length === 0) return false;
    const answer = await api().request('sessions.archive', { ids: [...ids], archived });
    if (!answer.ok) {
      useUiStore.getState().toast('danger', errorText(answer.error));
      return false;
    }
    void useSessionsStore.getState().load();
    return true;
  },
}));
