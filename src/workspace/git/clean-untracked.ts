import { runGit } from './run-git.js';
import { gitPlace, type WorktreeGit } from './worktree-git.js';

/**
 * Removes untracked (not ignored) files from a *session* worktree, after a snapshot kept them: ignored
 * files such as the copied `.env` and installed dependencies stay.
 */
export async function cleanUntracked(worktree: WorktreeGit): Promise<void> {
  await runGit(['clean', '--quiet', '-f', '-f', '-d'], gitPlace(worktree));
}
