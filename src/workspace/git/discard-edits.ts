import { runGit } from './run-git.js';
import { gitPlace, type WorktreeGit } from './worktree-git.js';

/**
 * Puts a *session* worktree's tracked files back to its HEAD, with the given paths (edits the Coder
 * made and nobody committed: refused acceptance tests) taken along even when they are new files.
 * Untracked files the check left that are not among the paths stay; ignored ones always stay.
 */
export async function discardEdits(worktree: WorktreeGit, paths: readonly string[]): Promise<void> {
  const at = gitPlace(worktree);
  if (paths.length > 0) await runGit(['add', '--all', '--', ...paths.map((p) => `:(literal)${p}`)], at);
  await runGit(['reset', '--quiet', '--hard', 'HEAD'], at);
}
