import { runGit } from './run-git.js';

/** Whether a repository has a commit object (is it the same repository, moved?). */
export async function hasCommit(cwd: string, sha: string): Promise<boolean> {
  const result = await runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd, expectedExitCodes: [0, 1, 128] });
  return result.exitCode === 0;
}
