import { create } from 'zustand';
import type { ConnectionState } from '../../../src/api/client/factory-api.js';
import type { AppInfo } from '../../../src/api/payloads.js';
import type { ApiError } from '../../../src/api/responses.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** The link to the host: whether it is up, and who answers (version, transport, capabilities). */
interface ConnectionStore {
  readonly state: ConnectionState;
  /** Why a 'closed' connection ended, by code (TOKEN_REJECTED: the host restarted; HOST_GONE: nothing answers). */
  readonly ended: ApiError | null;
  readonly info: AppInfo | null;
  readonly infoError: string | null;
  setState(state: ConnectionState, ended?: ApiError | null): void;
  loadInfo(): Promise<void>;
}

export const useConnectionStore = create<ConnectionStore>((set) => ({
  state: 'connecting',
  ended: null,
  info: null,
  infoError: null,
  setState: (state, ended = null) => set({ state, ended }),
  async loadInfo() {
    const answer = await api().request('app.info', {});
    if (answer.ok) set({ info: answer.data, infoError: null });
    else set({ infoError: errorText(answer.error) });
  },
}));
