import { create } from 'zustand';
import type { GlobalEvent } from '../../../src/api/global-events.js';
import type { RunStarted } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/**
 * The run panel's state per session (#21): the run command the host would start, and the output of the
 * latest run — first the tail the host kept (`sessions.run.output`), then each live `run.output` chunk
 * that comes after it (by offset, so nothing shows twice). The run's state and port come from the
 * session's row (the log's run.started / run.stopped), not from here.
 */
const KEPT_CHARS = 64 * 1024;

export interface RunPanelState {
  readonly loaded: boolean;
  readonly command: string | null;
  readonly notice: string | null;
  /** The run the output is of. */
  readonly pgid: number | null;
  readonly text: string;
  readonly end: number;
  readonly busy: boolean;
  readonly error: string | null;
}

interface RunStore {
  readonly bySession: Readonly<Record<string, RunPanelState>>;
  load(id: string): Promise<void>;
  start(id: string): Promise<RunStarted | null>;
  stop(id: string): Promise<void>;
  onOutput(event: Extract<GlobalEvent, { type: 'run.output' }>): void;
}

const EMPTY: RunPanelState = { loaded: false, command: null, notice: null, pgid: null, text: '', end: 0, busy: false, error: null };

export const useRunStore = create<RunStore>((set, get) => {
  const patch = (id: string, change: Partial<RunPanelState>): void =>
    set((s) => ({ bySession: { ...s.bySession, [id]: { ...(s.bySession[id] ?? EMPTY), ...change } } }));
  return {
    bySession: {},
    async load(id) {
      const answer = await api().request('sessions.run.output', { id });
      if (!answer.ok) {
        patch(id, { loaded: true, error: errorText(answer.error) });
        return;
      }
      const { command, notice, pgid, text, end } = answer.data;
      const now = get().bySession[id];
      // Live chunks of the same run that came while this was asked keep their place after the tail.
      const newer = now !== undefined && now.pgid === pgid && now.end > end;
      patch(id, newer ? { loaded: true, command, notice } : { loaded: true, command, notice, pgid, text, end });
    },
    async start(id) {
      patch(id, { busy: true, error: null });
      const answer = await api().request('sessions.run.start', { id });
      if (!answer.ok) {
        patch(id, { busy: false, error: errorText(answer.error) });
        return null;
      }
      const now = get().bySession[id];
      // A new run: its output starts afresh (chunks of it that came first are kept).
      patch(id, now?.pgid === answer.data.pgid ? { busy: false } : { busy: false, pgid: answer.data.pgid, text: '', end: 0 });
      return answer.data;
    },
    async stop(id) {
      patch(id, { busy: true, error: null });
      const answer = await api().request('sessions.run.stop', { id });
      patch(id, answer.ok ? { busy: false } : { busy: false, error: errorText(answer.error) });
    },
    onOutput(event) {
      const now = get().bySession[event.id] ?? EMPTY;
      if (now.pgid !== event.pgid) {
        patch(event.id, { pgid: event.pgid, text: event.chunk.slice(-KEPT_CHARS), end: event.offset + event.chunk.length });
        return;
      }
      if (event.offset + event.chunk.length <= now.end) return; // already in the fetched tail
      const fresh = event.chunk.slice(Math.max(0, now.end - event.offset));
      patch(event.id, { text: (now.text + fresh).slice(-KEPT_CHARS), end: event.offset + event.chunk.length });
    },
  };
});
