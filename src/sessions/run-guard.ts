import { FactoryError } from '../errors/factory-error.js';
import type { SessionRecord } from './session-store.js';

/**
 * While a session's app runs (#21 run scripts) a hostile process lives in its worktree: it can swap a
 * folder for a link to ~ between our lstat and our open, so host-side code (unsandboxed) that writes,
 * removes or reads the worktree's files could do so in the user's home. Every such operation refuses
 * while the app runs; the app's host stops its own run first (src/host/worktree-access.ts), so this
 * refusal is what a run owned by another process (a terminal's `sessions run`, or the app seen from a
 * terminal) gets. `record` comes from loadSession, so a run whose process is gone reads as stopped.
 */
export function assertAppStopped(record: SessionRecord, action: string): void {
  const run = record.run;
  if (run?.state !== 'running') return;
  throw new FactoryError(
    'RUN_IN_PROGRESS',
    `Stop the app of session ${record.id} first (Run → Stop, or Ctrl-C in the terminal that runs \`mlx-factory sessions run\`; pid ${run.pid}): it runs in the session’s worktree, so the session cannot be ${action} meanwhile.`,
    { pid: run.pid, port: run.port },
  );
}
