import { create } from 'zustand';
import type { ConnectionState } from '../../../src/api/client.js';
import type { AppInfo } from '../../../src/api/payloads.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** The link to the host: whether it is up, and who answers (version, transport, capabilities). */
interface ConnectionStore {
  readonly state: ConnectionState;
  readonly info: AppInfo | null;
  readonly infoError: string | null;
  setState(state: ConnectionState): void;
  loadInfo(): Promise<void>;
}

export const useConnectionStore = create<ConnectionStore>((set) => ({
  state: 'connecting',
  info: null,
  infoError: null,
  setState: (state) => set({ state }),
  async loadInfo() {
    const answer = await api().request('app.info', {});
    if (answer.ok) set({ info: answer.data, infoError: null });
    else set({ infoError: errorText(answer.error) });
  },
}));
