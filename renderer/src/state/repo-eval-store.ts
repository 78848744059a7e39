import { create } from 'zustand';
import type { HistoryEvalProgress, HistoryEvalReport } from '../../../src/api/history-eval.js';
import { errorText } from '../lib/api-errors.js';
import { api } from './api-instance.js';

/** "Which model for this repo?" in the Models view: one eval from history at a time, its progress, its report. */
interface RepoEvalStore {
  readonly repo: string;
  readonly running: boolean;
  readonly lines: readonly string[];
  readonly report: HistoryEvalReport | null;
  readonly error: string | null;
  setRepo(repo: string): void;
  run(count: number): Promise<void>;
  onProgress(repo: string, progress: HistoryEvalProgress): void;
}

function progressLine(p: HistoryEvalProgress): string {
  switch (p.phase) {
    case 'picked':
      return `${p.candidates} commit(s) change code and tests · check: ${p.check}`;
    case 'verified':
      return `${p.commit.slice(0, 8)} ${p.subject}: ${p.ok ? 'a task (fails before, passes after)' : `skipped — ${p.reason ?? ''}`}`;
    case 'task':
      return `[${p.index + 1}/${p.total}] ${p.subject}…`;
    case 'result':
      return `    ${p.row.passed ? 'passed' : p.row.status} after ${p.row.attempts} attempt(s)`;
  }
}

export const useRepoEvalStore = create<RepoEvalStore>((set, get) => ({
  repo: '',
  running: false,
  lines: [],
  report: null,
  error: null,
  setRepo: (repo) => set({ repo }),
  async run(count) {
    const repo = get().repo.trim();
    if (repo === '' || get().running) return;
    set({ running: true, lines: [], report: null, error: null });
    const answer = await api().request('models.evalHistory', { repo, count });
    set(answer.ok ? { running: false, report: answer.data } : { running: false, error: errorText(answer.error) });
  },
  onProgress(repo, progress) {
    if (!get().running || repo.replace(/\/+$/, '') !== get().repo.trim().replace(/\/+$/, '')) return;
    set((s) => ({ lines: [...s.lines, progressLine(progress)] }));
  },
}));
