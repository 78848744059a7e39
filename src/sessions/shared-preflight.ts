import type { ExecRequest, ExecResult } from '../sandbox/index.js';
import type { CheckRunner } from './run-attempts.js';

/**
 * One preflight for a best-of-K group (#16 with #22's preflight): the siblings start from the same
 * base commit with the same check, so running it K times in K identical worktrees only makes K
 * sandboxes fight for the CPU before the first model turn (bench/best-of.ts measured this). The
 * first sibling to get there runs it; the others log the same result. Not shared when each worktree
 * installs its own dependencies (their installs may differ), and run again by a sibling whose
 * sharer was cancelled.
 */
export class SharedPreflight {
  private readonly runs = new Map<string, Promise<ExecResult>>();

  /** A runner for one sibling's preflight: the group's run for `key` (base commit + command), or its own. */
  runner(runCheck: CheckRunner, key: string): CheckRunner {
    return async (request: ExecRequest): Promise<ExecResult> => {
      let run = this.runs.get(key);
      if (run === undefined) {
        run = runCheck(request);
        this.runs.set(key, run);
      }
      const result = await run;
      if (!result.cancelled || request.signal?.aborted === true) return result;
      // The sibling that ran it was stopped, not this one: run it here.
      if (this.runs.get(key) === run) this.runs.delete(key);
      return this.runner(runCheck, key)(request);
    };
  }
}
