import { create } from 'zustand';
import type { DependencyModeChoice, RepoEnvironment, RepoStatus, SessionInfo } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { validateNewSession, type NewSessionFields } from '../lib/new-session-form.js';
import { selectedRepo } from '../lib/recent-repos.js';
import { api } from './api-instance.js';
import { useServerStore } from './server-store.js';
import { useSettingsStore } from './settings-store.js';
import { useSessionsStore } from './sessions-store.js';
import { useUiStore } from './ui-store.js';

/** The repository of the session open in the dashboard (New session starts there). */
function repoOfSelectedSession(): string | null {
  const route = useUiStore.getState().route;
  return selectedRepo(route.view === 'sessions' ? route.session : null, useSessionsStore.getState().byId);
}

/**
 * The New session sheet: its fields, what the chosen folder is (`repo.status`: a repo, with
 * uncommitted changes that will not be in the session, or something unusable), and submitting.
 */
const EMPTY: NewSessionFields = { folder: '', description: '', check: '', maxAttempts: '', timeoutSec: '', bestOf: '' };

interface NewSessionStore {
  readonly isOpen: boolean;
  readonly fields: NewSessionFields;
  /** The model to use ('' = the server's current one). */
  readonly model: string;
  /** Tests first for this session (null: as `agent.tests_first` says). */
  readonly testsFirst: boolean | null;
  readonly status: RepoStatus | null;
  /** The folder `status` describes. */
  readonly statusFor: string;
  readonly checking: boolean;
  /** Show every field's error (after a submit attempt), not only those of touched fields. */
  readonly showAllErrors: boolean;
  readonly touched: Readonly<Partial<Record<keyof NewSessionFields, boolean>>>;
  readonly submitting: boolean;
  readonly submitError: string | null;
  /** The API's code of `submitError` (the sheet offers the runtime install on RUNTIME_MISSING). */
  readonly submitErrorCode: string | null;
  readonly dropNotice: string | null;
  /** How checks would get the chosen repository's dependencies (#22), for its root `environmentFor`. */
  readonly environment: RepoEnvironment | null;
  readonly environmentFor: string;
  readonly environmentError: string | null;
  open(prefill?: { folder?: string; status?: RepoStatus }): void;
  close(): void;
  setField(field: keyof NewSessionFields, value: string): void;
  touch(field: keyof NewSessionFields): void;
  setModel(model: string): void;
  setTestsFirst(on: boolean): void;
  setDropNotice(notice: string | null): void;
  checkFolder(): Promise<RepoStatus | null>;
  initRepo(): Promise<void>;
  /** Trusts the chosen project's own factory.yaml as it is now. */
  trustProject(): Promise<void>;
  submit(): Promise<SessionInfo | null>;
  /** Reads the repository's environment line and choices (`repo.environment`). */
  loadEnvironment(root: string): Promise<void>;
  /** The user's pick, remembered for the repository with the trust record (`repo.setEnvironment`). */
  chooseEnvironment(mode: DependencyModeChoice): Promise<void>;
}

/** The toggle as set, else factory.yaml's `agent.tests_first`. */
function effectiveTestsFirst(chosen: boolean | null): boolean {
  return chosen ?? useSettingsStore.getState().view?.config.agent.tests_first ?? false;
}

let checkTimer: ReturnType<typeof setTimeout> | undefined;
let checkSeq = 0;
/** The folder check in flight (see checkFolder). */
let folderCheck: { folder: string; promise: Promise<RepoStatus | null> } | null = null;

export const useNewSessionStore = create<NewSessionStore>((set, get) => ({
  isOpen: false,
  fields: EMPTY,
  model: '',
  testsFirst: null,
  status: null,
  statusFor: '',
  checking: false,
  showAllErrors: false,
  touched: {},
  submitting: false,
  submitError: null,
  submitErrorCode: null,
  dropNotice: null,
  environment: null,
  environmentFor: '',
  environmentError: null,
  open(prefill) {
    const keep = get().isOpen ? get().fields : EMPTY;
    const kept = keep.folder !== '' ? keep.folder : (repoOfSelectedSession() ?? '');
    const folder = prefill?.folder ?? prefill?.status?.root ?? prefill?.status?.path ?? kept;
    set({
      isOpen: true,
      fields: { ...keep, folder },
      status: prefill?.status ?? (folder === get().statusFor ? get().status : null),
      statusFor: prefill?.status !== undefined ? folder : get().statusFor,
      submitError: null,
      submitErrorCode: null,
      showAllErrors: false,
      touched: prefill?.folder !== undefined || prefill?.status !== undefined ? { folder: true } : {},
      dropNotice: null,
      // Read again on each opening: the checkout's folders (or the remembered pick) may have changed since.
      environment: null,
      environmentFor: '',
      environmentError: null,
    });
    if (folder !== '' && prefill?.status === undefined) void get().checkFolder();
  },
  close: () => set({ isOpen: false, submitting: false, submitError: null, submitErrorCode: null, dropNotice: null }),
  setField(field, value) {
    set((s) => ({ fields: { ...s.fields, [field]: value }, submitError: null, submitErrorCode: null }));
    if (field === 'folder') {
      set({ status: null, dropNotice: null });
      if (checkTimer !== undefined) clearTimeout(checkTimer);
      checkTimer = setTimeout(() => void get().checkFolder(), 350);
    }
  },
  touch: (field) => set((s) => ({ touched: { ...s.touched, [field]: true } })),
  setModel: (model) => set({ model }),
  setTestsFirst: (testsFirst) => set({ testsFirst, submitError: null, submitErrorCode: null }),
  setDropNotice: (dropNotice) => set({ dropNotice }),
  async checkFolder() {
    const folder = get().fields.folder.trim();
    if (folder === '') {
      set({ status: null, statusFor: '', checking: false });
      return null;
    }
    if (folder === get().statusFor && get().status !== null) return get().status;
    // One check per folder at a time: Start's check and the typing debounce's share it. A check
    // overtaken by a newer one answers with the newer one's result, never with no status (Start
    // would then refuse the form for a folder that was only still being checked).
    if (folderCheck?.folder === folder) return folderCheck.promise;
    const seq = ++checkSeq;
    set({ checking: true });
    const promise = (async (): Promise<RepoStatus | null> => {
      const answer = await api().request('repo.status', { path: folder });
      if (seq !== checkSeq) return folderCheck !== null ? folderCheck.promise : get().status;
      const status: RepoStatus = answer.ok
        ? answer.data
        : { path: folder, kind: 'missing', root: null, branch: null, headCommit: null, uncommitted: [], message: errorText(answer.error) };
      set({ status, statusFor: folder, checking: false, touched: { ...get().touched, folder: true } });
      return status;
    })();
    folderCheck = { folder, promise };
    try {
      return await promise;
    } finally {
      if (folderCheck?.promise === promise) folderCheck = null;
    }
  },
  async initRepo() {
    const folder = get().fields.folder.trim();
    if (folder === '') return;
    set({ checking: true });
    const answer = await api().request('repo.init', { path: folder });
    if (answer.ok) set({ status: answer.data, statusFor: folder, checking: false });
    else set({ checking: false, submitError: errorText(answer.error) });
  },
  async trustProject() {
    const folder = get().fields.folder.trim();
    if (folder === '') return;
    set({ checking: true });
    const answer = await api().request('project.trust', { path: folder });
    if (answer.ok) set({ status: answer.data, statusFor: folder, checking: false });
    else set({ checking: false, submitError: errorText(answer.error) });
  },
  async submit() {
    if (get().submitting) return null;
    set({ showAllErrors: true, submitError: null, submitErrorCode: null });
    const status = get().fields.folder.trim() === '' ? null : await get().checkFolder();
    const { request } = validateNewSession(get().fields, status, effectiveTestsFirst(get().testsFirst));
    if (request === null) return null;
    set({ submitting: true });
    // Sessions share one server: another model means (re)starting it with that model first.
    const model = get().model;
    const current = useServerStore.getState().status.value?.model ?? null;
    if (model !== '' && model !== current) {
      const started = await useServerStore.getState().start(model);
      if (!started) {
        const server = useServerStore.getState();
        set({
          submitting: false,
          submitError: server.actionError ?? 'The server could not start that model.',
          submitErrorCode: server.actionErrorCode,
        });
        return null;
      }
    }
    const answer = await api().request('sessions.start', {
      description: request.description,
      repo: request.repo,
      ...(request.check !== null ? { check: request.check } : {}),
      ...(request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {}),
      ...(request.timeoutSec !== undefined ? { timeoutSec: request.timeoutSec } : {}),
      ...(get().testsFirst !== null ? { testsFirst: request.testsFirst } : {}),
      ...(request.bestOf !== undefined ? { bestOf: request.bestOf } : {}),
    });
    if (!answer.ok) {
      set({ submitting: false, submitError: errorText(answer.error), submitErrorCode: answer.error.code });
      return null;
    }
    set({ submitting: false, isOpen: false, fields: { ...EMPTY, folder: get().fields.folder }, showAllErrors: false, touched: {} });
    return answer.data;
  },
  async loadEnvironment(root) {
    if (root === get().environmentFor && get().environment !== null) return;
    set({ environmentFor: root, environment: null, environmentError: null });
    const answer = await api().request('repo.environment', { path: root });
    if (get().environmentFor !== root) return; // another folder was chosen meanwhile
    if (answer.ok) set({ environment: answer.data });
    else set({ environmentError: errorText(answer.error) });
  },
  async chooseEnvironment(mode) {
    const root = get().environmentFor;
    if (root === '') return;
    const answer = await api().request('repo.setEnvironment', { path: root, mode });
    if (get().environmentFor !== root) return;
    if (answer.ok) set({ environment: answer.data, environmentError: null });
    else set({ environmentError: errorText(answer.error) });
  },
}));
