import type { WorkspaceConfig } from '../config/config-schema.js';
import { submodulePaths } from './git/submodules.js';
import { checkWorktreePointer } from './git/worktree-git.js';
import { copyIncludedFiles } from './include-files.js';
import { runWorkspaceSetup, type SetupLog } from './run-setup.js';

export interface PrepareWorktreeOptions {
  readonly repoRoot: string;
  readonly worktree: string;
  /** The worktree's recorded admin dir: the `.git` pointer is checked against it after setup ran. */
  readonly gitDir: string;
  readonly baseCommit: string;
  readonly config: WorkspaceConfig;
  readonly log: SetupLog;
  readonly signal?: AbortSignal;
}

export type PrepareResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * What happens in a new worktree between `git worktree add` and the first attempt: a warning when the
 * repository has submodules (a linked worktree does not check them out), the workspace.include copies,
 * then the workspace.setup command. A setup that fails stops the session before any model turn: the
 * Coder would otherwise spend the budget chasing a broken environment.
 */
export async function prepareSessionWorktree(options: PrepareWorktreeOptions): Promise<PrepareResult> {
  const { log } = options;
  const submodules = await submodulePaths(options.repoRoot, options.baseCommit);
  if (submodules.length > 0) {
    log.append({
      type: 'session.warning',
      message: `The repository has submodules (${submodules.join(', ')}); they are not checked out in the session's worktree, so the session cannot see or change their files.`,
    });
  }
  if (options.config.include.length > 0) {
    const included = copyIncludedFiles(options.repoRoot, options.worktree, options.config.include);
    log.append({ type: 'workspace.included', copied: included.copied, missing: included.missing });
    if (included.missing.length > 0) {
      log.append({
        type: 'session.warning',
        message: `workspace.include: nothing to copy for ${included.missing.join(', ')} (not found in ${options.repoRoot}).`,
      });
    }
  }
  const setup = options.config.setup;
  if (setup === null) return { ok: true };
  const result = await runWorkspaceSetup(options.worktree, setup, log, options.signal);
  if (checkWorktreePointer({ workTree: options.worktree, gitDir: options.gitDir }) === 'restored') {
    log.append({
      type: 'security.event',
      kind: 'git-pointer-restored',
      message: `workspace.setup changed ${options.worktree}/.git; it was put back.`,
    });
  }
  if (result.cancelled) return { ok: false, reason: 'Cancelled by the user during workspace.setup.' };
  if (result.timedOut)
    return {
      ok: false,
      reason: `workspace.setup (\`${setup}\`) did not finish within ${Math.round(result.durationMs / 1000)} s and was stopped.`,
    };
  if (result.exitCode !== 0) {
    const tail = result.output.trim().split('\n').slice(-3).join(' | ');
    return {
      ok: false,
      reason: `workspace.setup (\`${setup}\`) exited ${String(result.exitCode ?? result.signal)}${tail ? `: ${tail}` : ''}`,
    };
  }
  return { ok: true };
}
