import { runGit } from './run-git.js';
import { gitPlace, type GitAt } from './worktree-git.js';

/** The unified diff between two commits (what one attempt changed), as text for the Sheriff. */
export async function diffRange(at: GitAt, from: string, to: string): Promise<string> {
  const result = await runGit(['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--find-renames', from, to], gitPlace(at));
  return result.stdout;
}
