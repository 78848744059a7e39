import { runGit } from './run-git.js';

/**
 * Removes untracked (not ignored) files from a *session* worktree, after a snapshot kept them: ignored
 * files such as the copied `.env` and installed dependencies stay.
 */
export async function cleanUntracked(worktree: string): Promise<void> {
  await runGit(['clean', '--quiet', '-f', '-f', '-d'], { cwd: worktree });
}
