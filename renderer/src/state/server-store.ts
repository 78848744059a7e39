import { create } from 'zustand';
import type { GlobalEvent } from '../../../src/api/global-events.js';
import type { DoctorCheck, ModelInfo, ServerStatus } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** The model server: its state (live from `server.state`), log tail, restarts, models and the doctor. */
const LOG_LINES_KEPT = 2000;

interface StateChange {
  readonly time: string;
  readonly state: ServerStatus['state'];
  readonly detail: string;
}

/** errorCode: the API's code for `error` (views decide by it, never by the sentence). */
type Loadable<T> = {
  readonly value: T | null;
  readonly loading: boolean;
  readonly error: string | null;
  readonly errorCode?: string | null;
};
const idle = <T>(): Loadable<T> => ({ value: null, loading: false, error: null });

interface ServerStore {
  readonly status: Loadable<ServerStatus>;
  readonly logs: Loadable<string[]>;
  readonly logFile: string | null;
  readonly models: Loadable<{ models: ModelInfo[]; current: string }>;
  readonly doctor: Loadable<DoctorCheck[]>;
  readonly history: readonly StateChange[];
  readonly busy: 'start' | 'stop' | null;
  readonly actionError: string | null;
  /** The API's code of `actionError` (the view offers the runtime install on RUNTIME_MISSING). */
  readonly actionErrorCode: string | null;
  /** The last start failed because this model is not downloaded: the view offers the pull. */
  readonly missingModel: string | null;
  loadStatus(): Promise<void>;
  loadLogs(): Promise<void>;
  loadModels(): Promise<void>;
  runDoctor(): Promise<void>;
  start(model?: string): Promise<boolean>;
  stop(): Promise<void>;
  onEvent(event: Extract<GlobalEvent, { type: 'server.state' | 'server.log' }>): void;
}

export const useServerStore = create<ServerStore>((set, get) => ({
  status: idle(),
  logs: idle(),
  logFile: null,
  models: idle(),
  doctor: idle(),
  history: [],
  busy: null,
  actionError: null,
  actionErrorCode: null,
  missingModel: null,
  async loadStatus() {
    set((s) => ({ status: { ...s.status, loading: true } }));
    const answer = await api().request('server.status', {});
    set((s) => ({
      status: answer.ok
        ? { value: answer.data, loading: false, error: null }
        : { value: s.status.value, loading: false, error: errorText(answer.error), errorCode: answer.error.code },
    }));
  },
  async loadLogs() {
    set((s) => ({ logs: { ...s.logs, loading: true } }));
    const answer = await api().request('server.logs', { tail: 500 });
    if (answer.ok) set({ logs: { value: answer.data.lines, loading: false, error: null }, logFile: answer.data.file });
    else set((s) => ({ logs: { value: s.logs.value, loading: false, error: errorText(answer.error), errorCode: answer.error.code } }));
  },
  async loadModels() {
    set((s) => ({ models: { ...s.models, loading: true } }));
    const answer = await api().request('models.list', {});
    set((s) => ({
      models: answer.ok
        ? { value: answer.data, loading: false, error: null }
        : { value: s.models.value, loading: false, error: errorText(answer.error), errorCode: answer.error.code },
    }));
  },
  async runDoctor() {
    set((s) => ({ doctor: { ...s.doctor, loading: true, error: null } }));
    const answer = await api().request('doctor.run', {});
    set((s) => ({
      doctor: answer.ok
        ? { value: answer.data.checks, loading: false, error: null }
        : { value: s.doctor.value, loading: false, error: errorText(answer.error), errorCode: answer.error.code },
    }));
  },
  async start(model) {
    if (get().busy !== null) return false;
    set({ busy: 'start', actionError: null, actionErrorCode: null, missingModel: null });
    const answer = await api().request('server.start', model === undefined ? {} : { model });
    const missing =
      !answer.ok && answer.error.code === 'MODEL_NOT_FOUND' && typeof answer.error.details?.['pullCommand'] === 'string'
        ? answer.error.details['model']
        : null;
    set((s) => ({
      busy: null,
      actionError: answer.ok ? null : errorText(answer.error),
      actionErrorCode: answer.ok ? null : answer.error.code,
      missingModel: typeof missing === 'string' ? missing : null,
      status: answer.ok ? { value: answer.data, loading: false, error: null } : s.status,
    }));
    return answer.ok;
  },
  async stop() {
    if (get().busy !== null) return;
    set({ busy: 'stop', actionError: null, actionErrorCode: null });
    const answer = await api().request('server.stop', {});
    set((s) => ({
      busy: null,
      actionError: answer.ok ? null : errorText(answer.error),
      status: answer.ok ? { value: answer.data, loading: false, error: null } : s.status,
    }));
  },
  onEvent(event) {
    if (event.type === 'server.log') {
      set((s) => {
        const lines = [...(s.logs.value ?? []), event.line];
        if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
        return { logs: { ...s.logs, value: lines } };
      });
      return;
    }
    const { type: _type, session: _session, seq: _seq, time, ...status } = event;
    // Another model or another server (Settings changed): every model list follows at once.
    const before = get().status.value;
    if (before !== null && (before.model !== status.model || before.owned !== status.owned)) void get().loadModels();
    set((s) => ({
      status: { value: status, loading: false, error: null },
      history:
        s.history.at(-1)?.state === status.state && s.history.at(-1)?.detail === status.detail
          ? s.history
          : [...s.history.slice(-49), { time, state: status.state, detail: status.detail }],
    }));
  },
}));
