import { create } from 'zustand';
import type { FilePair, MergePreview, RepoStatus, SessionDiff } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { plural } from '../lib/display-format.js';
import { sortChanges } from '../lib/diff-stats.js';
import { api } from './api-instance.js';
import { cachedFilePair, filePairKey, hasFilePair } from './file-pair-cache.js';
import { onSessionChanged } from './session-changes.js';

/**
 * The diff review of the open session: changed files (all changes, or one commit's), the file
 * shown in Monaco, the merge preview, and the take actions (merge, discard, roll back).
 */
type DiffMode = 'side-by-side' | 'inline';

interface Loadable<T> {
  readonly value: T | null;
  readonly loading: boolean;
  readonly error: string | null;
  /** The API's code for `error`: views decide by it, never by the sentence. */
  readonly errorCode?: string | null;
}

const idle = <T>(): Loadable<T> => ({ value: null, loading: false, error: null });

export interface ActionOutcome {
  readonly tone: 'success' | 'warning' | 'danger';
  readonly text: string;
}

interface DiffStore {
  readonly session: string | null;
  /** null: everything since the base; else one commit's changes. */
  readonly commit: string | null;
  readonly diff: Loadable<SessionDiff>;
  readonly selected: string | null;
  readonly pair: Loadable<FilePair>;
  readonly mode: DiffMode;
  readonly squash: boolean;
  readonly preview: Loadable<MergePreview>;
  /** Where the base and session branches are now, as the host last told (session.refsMoved). */
  readonly refs: { readonly baseHead: string | null; readonly sessionHead: string | null } | null;
  readonly checkout: RepoStatus | null;
  readonly busy: 'merge' | 'discard' | 'rollback' | null;
  readonly outcome: ActionOutcome | null;
  /** Just merged: offer to remove the worktree and branch (the work is in the base branch now). */
  readonly offerRemove: boolean;
  open(session: string): void;
  loadDiff(): Promise<void>;
  setCommit(commit: string | null): void;
  select(path: string | null): void;
  /** Fetch a file's two sides ahead (hovered, or next to the one shown): choosing it then waits for no request. */
  prefetch(path: string): void;
  setMode(mode: DiffMode): void;
  setSquash(squash: boolean): void;
  loadPreview(): Promise<void>;
  /** A branch the preview was made from moved: it is out of date until it is asked again. */
  onRefsMoved(moved: { readonly id: string; readonly baseHead: string | null; readonly sessionHead: string | null }): void;
  loadCheckout(repo: string): Promise<void>;
  /** `message`: the commit message as the user edited it (default: the host's). */
  /** `stash`: the user confirmed "Stash and merge" (their changes in the way are put aside and back). */
  merge(message?: string, stash?: boolean): Promise<boolean>;
  dismissRemoveOffer(): void;
  /** `cleanup`: removing what a merge already took (the session stays merged), not discarding work. */
  discard(kind?: 'discard' | 'cleanup'): Promise<boolean>;
  rollback(step: number, kind?: 'rollback' | 'restore'): Promise<boolean>;
  clearOutcome(): void;
}

let pairRequest = 0;
let previewRequest = 0;

/** The preview was made from other heads than the branches have now: it may say the wrong thing. */
export function isPreviewStale(state: Pick<DiffStore, 'preview' | 'refs'>): boolean {
  const preview = state.preview.value;
  if (preview === null || state.refs === null) return false;
  return preview.baseHead !== state.refs.baseHead || preview.sessionHead !== state.refs.sessionHead;
}

/**
 * A file's two sides, from the cache when the listing's commits are known (the answer for the same
 * base, head and path never changes), else straight from the host.
 */
function filePair(session: string, commit: string | null, listing: SessionDiff | null, path: string) {
  // The host finds a renamed file's old path in its own listing; `sessions.filePair` takes none (strict params).
  const ask = () => api().request('sessions.filePair', { id: session, path, ...(commit !== null ? { commit } : {}) });
  if (listing === null) return ask();
  return cachedFilePair(filePairKey({ session, commit, base: listing.base, head: listing.head, path }), ask);
}

const prefetchListeners = new Set<(pair: FilePair) => void>();

/**
 * Called with each file fetched ahead, once it is in: the diff view prepares its Monaco models
 * then (the store knows nothing of Monaco, which loads with the view). Returns the unsubscribe.
 */
export function onPairPrefetched(listener: (pair: FilePair) => void): () => void {
  prefetchListeners.add(listener);
  return () => prefetchListeners.delete(listener);
}

/** Files either side of the shown one: where ↑/↓ and the next click most often go. */
const PREFETCH_AFTER = 2;
const PREFETCH_BEFORE = 1;
let prefetchIdle: number | null = null;

/**
 * Once the shown file's sides are in and the browser is idle, its neighbours' are fetched, so the
 * next file opens without a round trip to the host (and never competes with the one being shown).
 */
function prefetchNeighbours(path: string): void {
  if (typeof window.requestIdleCallback !== 'function') return;
  if (prefetchIdle !== null) window.cancelIdleCallback(prefetchIdle);
  prefetchIdle = window.requestIdleCallback(
    () => {
      prefetchIdle = null;
      const { session, commit, diff, prefetch } = useDiffStore.getState();
      const files = diff.value?.files ?? [];
      const index = files.findIndex((f) => f.path === path);
      if (session === null || diff.value === null || index < 0) return;
      for (const file of [
        ...files.slice(index + 1, index + 1 + PREFETCH_AFTER),
        ...files.slice(Math.max(0, index - PREFETCH_BEFORE), index),
      ])
        if (!hasFilePair(filePairKey({ session, commit, base: diff.value.base, head: diff.value.head, path: file.path })))
          prefetch(file.path);
    },
    { timeout: 1000 },
  );
}

export const useDiffStore = create<DiffStore>((set, get) => ({
  session: null,
  commit: null,
  diff: idle(),
  selected: null,
  pair: idle(),
  mode: 'side-by-side',
  squash: true,
  preview: idle(),
  refs: null,
  checkout: null,
  busy: null,
  outcome: null,
  offerRemove: false,
  open(session) {
    if (get().session === session) return;
    set({
      session,
      commit: null,
      diff: idle(),
      selected: null,
      pair: idle(),
      preview: idle(),
      refs: null,
      checkout: null,
      busy: null,
      outcome: null,
      offerRemove: false,
    });
  },
  dismissRemoveOffer: () => set({ offerRemove: false }),
  async loadDiff() {
    const { session, commit } = get();
    if (session === null) return;
    set((s) => ({ diff: { ...s.diff, loading: true } }));
    const answer = await api().request('sessions.diff', commit === null ? { id: session } : { id: session, commit });
    if (get().session !== session || get().commit !== commit) return;
    if (!answer.ok) {
      set((s) => ({ diff: { value: s.diff.value, loading: false, error: errorText(answer.error), errorCode: answer.error.code } }));
      return;
    }
    const files = sortChanges(answer.data.files);
    const previous = get().selected;
    const keep = previous !== null && files.some((f) => f.path === previous);
    const selected = keep ? previous : (files[0]?.path ?? null);
    const headChanged = get().diff.value?.head !== answer.data.head || get().diff.value?.base !== answer.data.base;
    set({ diff: { value: { ...answer.data, files }, loading: false, error: null } });
    if (selected !== previous || headChanged) get().select(selected);
  },
  setCommit(commit) {
    set({ commit, diff: idle(), selected: null, pair: idle() });
    void get().loadDiff();
  },
  select(path) {
    const { session, commit, diff } = get();
    set({ selected: path });
    if (session === null || path === null) {
      set({ pair: idle() });
      return;
    }
    const request = ++pairRequest;
    set((s) => ({ pair: { value: s.pair.value, loading: true, error: null } }));
    // Marks for the bench and the e2e test: from choosing a file to Monaco showing its diff.
    performance.mark('diff-open-start');
    void filePair(session, commit, diff.value, path).then((answer) => {
      if (request !== pairRequest) return;
      performance.mark('diff-pair-received');
      set({
        pair: answer.ok
          ? { value: answer.data, loading: false, error: null }
          : { value: null, loading: false, error: errorText(answer.error), errorCode: answer.error.code },
      });
      prefetchNeighbours(path);
    });
  },
  prefetch(path) {
    const { session, commit, diff } = get();
    const file = diff.value?.files.find((f) => f.path === path);
    if (session === null || diff.value === null || file === undefined || file.binary) return;
    void filePair(session, commit, diff.value, path).then((answer) => {
      if (answer.ok) for (const listener of prefetchListeners) listener(answer.data);
    });
  },
  setMode: (mode) => set({ mode }),
  setSquash(squash) {
    set({ squash });
    void get().loadPreview();
  },
  async loadPreview() {
    const { session, squash } = get();
    if (session === null) return;
    const request = ++previewRequest;
    set((s) => ({ preview: { ...s.preview, loading: true } }));
    const answer = await api().request('sessions.mergePreview', { id: session, squash });
    // Only the latest question's answer counts: an earlier one may predict from older heads.
    if (get().session !== session || request !== previewRequest) return;
    // A fresh preview is the newest word on the heads (the host watches from them on): moves told
    // before it are in it; later ones arrive as session.refsMoved.
    set((s) =>
      answer.ok
        ? { preview: { value: answer.data, loading: false, error: null }, refs: null }
        : { preview: { value: s.preview.value, loading: false, error: errorText(answer.error), errorCode: answer.error.code } },
    );
  },
  onRefsMoved(moved) {
    if (moved.id !== get().session) return;
    set({ refs: { baseHead: moved.baseHead, sessionHead: moved.sessionHead } });
    if (isPreviewStale(get())) void get().loadPreview();
  },
  async loadCheckout(repo) {
    const answer = await api().request('repo.status', { path: repo });
    if (answer.ok) set({ checkout: answer.data });
  },
  async merge(message, stash = false) {
    const { session, squash } = get();
    if (session === null || get().busy !== null) return false;
    set({ busy: 'merge', outcome: null, offerRemove: false });
    const trimmed = message?.trim() ?? '';
    const answer = await api().request(
      'sessions.merge',
      trimmed !== '' ? { id: session, squash, message: trimmed, stash } : { id: session, squash, stash },
    );
    // Merged, but the user's changes wait under a ref: said as a warning, with the command in the message.
    const kept = answer.ok && answer.data.stash !== undefined && !answer.data.stash.restored;
    set({
      busy: null,
      offerRemove: answer.ok && !answer.data.alreadyMerged && !kept,
      outcome: answer.ok
        ? { tone: kept ? 'warning' : 'success', text: answer.data.message }
        : { tone: 'danger', text: errorText(answer.error) },
    });
    void get().loadPreview();
    return answer.ok;
  },
  async discard(kind = 'discard') {
    const { session } = get();
    if (session === null || get().busy !== null) return false;
    set({ busy: 'discard', outcome: null, offerRemove: false });
    const answer = await api().request('sessions.discard', { id: session });
    set({
      busy: null,
      outcome: answer.ok
        ? {
            tone: 'success',
            text: `${kind === 'cleanup' ? 'Removed the worktree and branch.' : 'Discarded.'}${answer.data.archiveRef !== null ? ` The work is kept at ${answer.data.archiveRef}.` : ''}`,
          }
        : { tone: 'danger', text: errorText(answer.error) },
    });
    return answer.ok;
  },
  async rollback(step, kind = 'rollback') {
    const { session } = get();
    if (session === null || get().busy !== null) return false;
    set({ busy: 'rollback', outcome: null });
    const answer = await api().request('sessions.rollback', { id: session, step });
    set({
      busy: null,
      outcome: answer.ok
        ? {
            tone: 'success',
            text:
              kind === 'restore'
                ? `Restored step ${step} (${answer.data.headCommit.slice(0, 7)}).${answer.data.keptRef !== null ? ` Where the branch was is kept at ${answer.data.keptRef}.` : ''}`
                : `Rolled back to ${step === 0 ? 'the start' : `step ${step}`} (${answer.data.headCommit.slice(0, 7)}).${answer.data.keptRef !== null && answer.data.droppedCommits > 0 ? ` ${plural(answer.data.droppedCommits, 'commit')} kept at ${answer.data.keptRef}.` : ''}`,
          }
        : { tone: 'danger', text: errorText(answer.error) },
    });
    if (answer.ok) {
      set({ commit: null });
      await get().loadDiff();
      void get().loadPreview();
    }
    return answer.ok;
  },
  clearOutcome: () => set({ outcome: null }),
}));

// The line about the last action is about the past once the session moves on (a new step, a new
// series, a resume) — also when that happened while the Changes tab was not shown (a reply is sent
// from the transcript), so the store listens, not the view.
onSessionChanged((changed, types) => {
  if (changed !== useDiffStore.getState().session) return;
  if (types.has('commit') || types.has('series.started') || types.has('session.resumed')) useDiffStore.getState().clearOutcome();
});
