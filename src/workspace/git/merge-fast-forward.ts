import { NO_HOOKS_NO_SIGNING } from './commit-files.js';
import { runGit } from './run-git.js';

/**
 * `git merge --ff-only <commit>` run in the user's own folder: the only way we ever move the working tree
 * of a checkout we do not own. git itself refuses when local changes (staged, unstaged, or untracked
 * files in the way) would be overwritten, and leaves unrelated local changes as they are. Hooks are off:
 * a post-merge hook could rewrite files behind our back.
 */
export type FastForwardResult = { readonly ok: true } | { readonly ok: false; readonly files: readonly string[]; readonly message: string };

export async function fastForwardCheckout(checkoutDir: string, commit: string): Promise<FastForwardResult> {
  const result = await runGit([...NO_HOOKS_NO_SIGNING, 'merge', '--ff-only', '--quiet', '--no-edit', commit], { cwd: checkoutDir, expectedExitCodes: [0, 1, 128] });
  if (result.exitCode === 0) return { ok: true };
  const message = (result.stderr || result.stdout).trim();
  return { ok: false, files: filesNamedIn(message), message };
}

/** git lists the blocking files as tab-indented lines under "…would be overwritten by merge:". */
export function filesNamedIn(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('\t'))
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
