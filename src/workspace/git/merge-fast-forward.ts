import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { NO_HOOKS_NO_SIGNING } from './commit-files.js';
import { gitEnvironment } from './git-environment.js';
import { gitCommandLine } from './run-git.js';

/**
 * `git merge --ff-only <commit>` run in the user's own folder: the only way we ever move the working tree
 * of a checkout we do not own. git itself refuses when local changes (staged, unstaged, or untracked
 * files in the way) would be overwritten, and leaves unrelated local changes as they are. Hooks are off:
 * a post-merge hook could rewrite files behind our back.
 *
 * git runs detached from us: its own process group and its output in a file, not our pipes. If our
 * process dies mid-merge, git neither gets our group's signal nor dies of SIGPIPE half-way through the
 * checkout (1,500 of 6,000 files written, HEAD unchanged, index.lock left); it finishes, and the merge
 * journal (merge-journal.ts) tells the next start what happened.
 */
export type FastForwardResult = { readonly ok: true } | { readonly ok: false; readonly files: readonly string[]; readonly message: string };

export interface DetachedGit {
  readonly pid: number;
  readonly done: Promise<FastForwardResult>;
}

export function startFastForward(checkoutDir: string, commit: string, outputFile: string): DetachedGit {
  const out = fs.openSync(outputFile, 'w', 0o600);
  const child = spawn('git', gitCommandLine([...NO_HOOKS_NO_SIGNING, 'merge', '--ff-only', '--quiet', '--no-edit', commit], {}), {
    cwd: checkoutDir,
    env: gitEnvironment(),
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const done = new Promise<FastForwardResult>((resolve) => {
    const finish = (code: number | null, spawnError?: Error): void => {
      const message = spawnError ? `Could not run git (${spawnError.message}).` : readOutput(outputFile);
      resolve(code === 0 ? { ok: true } : { ok: false, files: filesNamedIn(message), message });
    };
    child.once('error', (error) => finish(null, error));
    child.once('exit', (code) => finish(code));
  });
  return { pid: child.pid ?? -1, done };
}

function readOutput(file: string): string {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .slice(0, 64 * 1024)
      .trim();
  } catch {
    return '';
  }
}

/** git lists the blocking files as tab-indented lines under "…would be overwritten by merge:". */
export function filesNamedIn(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('\t'))
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
