import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSandboxed, type ExecResult } from '../sandbox/index.js';
import type { ResourceLimitsRequest } from '../sandbox/resource-limits.js';
import { runGit } from './git/run-git.js';
import { removeWorktree } from './git/worktree-remove.js';

/**
 * Before a task mined from history is given to a model, it must be a real test of the change: its
 * check must fail on the base (parent + the commit's tests) and pass on the commit itself. Both runs
 * are checks like any other — in the sandbox, no network, in a throwaway detached worktree of the
 * user's repository (never the user's checkout).
 */
export interface VerifyOptions {
  readonly repoRoot: string;
  readonly check: string;
  readonly timeoutMs: number;
  readonly sandbox: 'auto' | 'required';
  readonly limits?: ResourceLimitsRequest | undefined;
  readonly signal?: AbortSignal | undefined;
}

export type Verification = { readonly ok: true; readonly baseExit: number | null } | { readonly ok: false; readonly reason: string };

async function runAt(commit: string, options: VerifyOptions): Promise<ExecResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-eval-verify-'));
  const worktree = path.join(dir, 'wt');
  await runGit(['worktree', 'add', '--quiet', '--detach', worktree, commit], { cwd: options.repoRoot });
  try {
    return await runSandboxed({
      command: options.check,
      cwd: worktree,
      timeoutMs: options.timeoutMs,
      sandbox: options.sandbox,
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      readOnlyPaths: [path.join(worktree, '.git')],
    });
  } finally {
    await removeWorktree(options.repoRoot, worktree).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function lastLine(result: ExecResult): string {
  const lines = result.output.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 160);
}

export async function verifyEvalTask(base: string, commit: string, options: VerifyOptions): Promise<Verification> {
  const before = await runAt(base, options);
  if (before.exitCode === 0 && !before.timedOut)
    return {
      ok: false,
      reason: 'its tests already pass before the change (on the parent with the commit’s tests), so they do not test it',
    };
  if (before.timedOut) return { ok: false, reason: `the check timed out on the base (${Math.round(options.timeoutMs / 1000)} s)` };
  const after = await runAt(commit, options);
  if (after.timedOut) return { ok: false, reason: `the check timed out on the commit itself (${Math.round(options.timeoutMs / 1000)} s)` };
  if (after.exitCode !== 0)
    return { ok: false, reason: `the check fails on the commit itself (exit ${String(after.exitCode)}: ${lastLine(after)})` };
  return { ok: true, baseExit: before.exitCode };
}
