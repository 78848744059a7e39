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
  /** The command is this repository's own setting (else workspace.run, or none). */
  readonly perRepository: boolean;
  readonly repo: string | null;
  /** The run the output is of. */
  readonly pgid: number | null;
  readonly text: string;
  readonly end: number;
  readonly busy: boolean;
  readonly error: string | null;
  /** The repository's run script being edited (null: not editing). */
  readonly editing: string | null;
}

interface RunStore {
  readonly bySession: Readonly<Record<string, RunPanelState>>;
  load(id: string): Promise<void>;
  start(id: string): Promise<RunStarted | null>;
  stop(id: string): Promise<void>;
  /** Sets (null: removes) the run script of the session's repository; the host asks the user to confirm a new one. */
  setCommand(id: string, command: string | null): Promise<boolean>;
  /** Opens (a value) or closes (null) the form for the repository's run script. */
  edit(id: string, value: string | null): void;
  onOutput(event: Extract<GlobalEvent, { type: 'run.output' }>): void;
}

const EMPTY: RunPanelState = {
  loaded: false,
  command: null,
  notice: null,
  perRepository: false,
  repo: null,
  pgid: null,
  text: '',
  end: 0,
  busy: false,
  error: null,
  editing: null,
};

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
      const { command, notice, pgid, text, end, repo } = answer.data;
      const known = { loaded: true, command, notice, repo, perRepository: answer.data.source === 'repository' };
      const now = get().bySession[id];
      // Live chunks of the same run that came while this was asked keep their place after the tail.
      const newer = now !== undefined && now.pgid === pgid && now.end > end;
      patch(id, newer ? known : { ...known, pgid, text, end });
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
    async setCommand(id, command) {
      const repo = get().bySession[id]?.repo;
      if (repo == null) return false;
      patch(id, { busy: true, error: null });
      let confirmation: string | undefined;
      if (command !== null) {
        const confirmed = await api().request('config.confirm', { key: 'workspace.run', value: command });
        if (!confirmed.ok || confirmed.data.token === null) {
          patch(id, { busy: false, error: confirmed.ok ? 'Not saved: the run script was not allowed.' : errorText(confirmed.error) });
          return false;
        }
        confirmation = confirmed.data.token;
      }
      const answer = await api().request('repo.setRunCommand', { repo, command, ...(confirmation !== undefined ? { confirmation } : {}) });
      patch(id, answer.ok ? { busy: false } : { busy: false, error: errorText(answer.error) });
      if (answer.ok) {
        patch(id, { editing: null });
        await get().load(id);
      }
      return answer.ok;
    },
    edit(id, value) {
      patch(id, { editing: value, error: null });
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
