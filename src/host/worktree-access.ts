import type { AppPaths } from '../home/app-home.js';
import { assertAppStopped } from '../sessions/run-guard.js';
import type { RunStopReason } from '../sessions/run-script.js';
import { loadSession } from '../sessions/session-store.js';
import type { RunScripts } from './run-scripts.js';

/**
 * The host's one door to what touches a session's worktree from outside its loop (DESIGN "Run
 * scripts"; SECURITY.md). Two rules:
 * - One at a time per session: a revert computes its step from the log, so two at once would log the
 *   same step; a Run started halfway through a revert would put the app beside it. Reverts, rollbacks,
 *   Viewed marks, updates, merges, discards, the starts of resume/reply, and Run's start queue here.
 * - A write stops the session's app first when this host runs it (the app is a hostile process in the
 *   worktree: it could swap a folder for a link while our unsandboxed code writes there). An app that
 *   another process runs cannot be stopped from here: the operation itself refuses (RUN_IN_PROGRESS,
 *   src/sessions/run-guard.ts), as do reads of the worktree's files while any app runs.
 */
export class WorktreeAccess {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly paths: AppPaths,
    private readonly runs: Pick<RunScripts, 'stop'>,
  ) {}

  /** Runs `work` once every earlier operation on the session has settled. */
  exclusive<T>(id: string, work: () => Promise<T> | T): Promise<T> {
    const before = this.queues.get(id) ?? Promise.resolve();
    const result = before.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return result;
  }

  /**
   * A write: in turn, after this host's run of the session's app (if any) has stopped; refused at once
   * when another process runs it (before a resume or reply as much as connects to the model).
   */
  write<T>(id: string, work: () => Promise<T> | T, reason: RunStopReason = 'stop'): Promise<T> {
    return this.exclusive(id, async () => {
      await this.runs.stop(id, reason);
      assertAppStopped(loadSession(this.paths, id), 'changed');
      return work();
    });
  }
}
