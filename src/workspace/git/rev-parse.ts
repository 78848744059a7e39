import { runGit } from './run-git.js';
import { gitPlace, type GitAt } from './worktree-git.js';

export async function revParse(at: GitAt, rev: string): Promise<string> {
  const result = await runGit(['rev-parse', '--verify', `${rev}^{commit}`], gitPlace(at));
  return result.stdout.trim();
}
