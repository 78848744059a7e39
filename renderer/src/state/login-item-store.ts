import { create } from 'zustand';
import type { LoginItemState } from '../../../src/api/requests.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** "Open at login" (desktop app only): the OS's answer, including macOS 13+'s approval status. */
interface LoginItemStore {
  readonly state: LoginItemState | null;
  readonly error: string | null;
  load(): Promise<void>;
  set(openAtLogin: boolean): Promise<void>;
}

export const useLoginItemStore = create<LoginItemStore>((set) => ({
  state: null,
  error: null,
  async load() {
    const answer = await api().request('app.getLoginItem', {});
    set(answer.ok ? { state: answer.data, error: null } : { error: errorText(answer.error) });
  },
  async set(openAtLogin) {
    const answer = await api().request('app.setLoginItem', { openAtLogin });
    set(answer.ok ? { state: answer.data, error: null } : { error: errorText(answer.error) });
  },
}));
