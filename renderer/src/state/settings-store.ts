import { create } from 'zustand';
import type { ConfigView } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { confirmProgramSettings } from '../lib/program-setting-confirm.js';
import { draftFromConfig, isPatchEmpty, patchFromDraft, validateDraft, type DraftValue, type SettingsDraft } from '../lib/settings-form.js';
import { api } from './api-instance.js';

/** The Settings form: the saved config, the edited draft, and saving it through `config.write`. */
interface SettingsStore {
  readonly view: ConfigView | null;
  readonly draft: SettingsDraft;
  readonly loading: boolean;
  readonly error: string | null;
  readonly saving: boolean;
  readonly saveError: string | null;
  readonly savedAt: number | null;
  load(): Promise<void>;
  edit(field: string, value: DraftValue): void;
  revert(): void;
  save(): Promise<boolean>;
}

export const useSettingsStore = create<SettingsStore>((set, get) => ({
  view: null,
  draft: {},
  loading: false,
  error: null,
  saving: false,
  saveError: null,
  savedAt: null,
  async load() {
    set({ loading: true });
    const answer = await api().request('config.read', {});
    if (answer.ok) set({ view: answer.data, draft: draftFromConfig(answer.data.config), loading: false, error: null });
    else set({ loading: false, error: errorText(answer.error) });
  },
  edit(field, value) {
    set((s) => ({ draft: { ...s.draft, [field]: value }, savedAt: null, saveError: null }));
  },
  revert() {
    const view = get().view;
    if (view !== null) set({ draft: draftFromConfig(view.config), saveError: null });
  },
  async save() {
    const { view, draft } = get();
    if (view === null || Object.keys(validateDraft(draft).errors).length > 0) return false;
    const patch = patchFromDraft(draft, view.config);
    if (isPatchEmpty(patch)) return true;
    set({ saving: true, saveError: null });
    // A program to run (editor, Python, setup) is saved only once the user allowed it in the host's own dialog.
    const confirmed = await confirmProgramSettings(patch);
    if (!confirmed.ok) {
      set({ saving: false, saveError: confirmed.error });
      return false;
    }
    const answer = await api().request('config.write', { patch, confirmations: confirmed.confirmations });
    if (answer.ok) set({ view: answer.data, draft: draftFromConfig(answer.data.config), saving: false, savedAt: Date.now() });
    else set({ saving: false, saveError: errorText(answer.error) });
    return answer.ok;
  },
}));
