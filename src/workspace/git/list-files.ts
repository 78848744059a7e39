import { runGit } from './run-git.js';

/** Tracked files of a worktree at its HEAD (relative POSIX paths). */
export async function listTrackedFiles(cwd: string): Promise<string[]> {
  const result = await runGit(['ls-files', '-z'], { cwd });
  return result.stdout.split('\0').filter((f) => f !== '');
}
