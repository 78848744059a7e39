import { runGit } from './run-git.js';

/**
 * `git config --get KEY` in the user's repository (its own and the global config, both trusted; never a
 * session worktree's). The raw value, before `insteadOf` rewriting: a remote's URL as the user wrote it
 * is what names the host a compare page lives on. null when the key is not set (git's exit 1).
 */
export async function configGet(commonDir: string, key: string): Promise<string | null> {
  const result = await runGit(['--git-dir', commonDir, 'config', '--get', key], { cwd: commonDir, expectedExitCodes: [0, 1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}
