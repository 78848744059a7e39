import { runGit } from './run-git.js';

/** Submodule paths declared in a commit's .gitmodules (a linked worktree does not check them out). */
export async function submodulePaths(cwd: string, commit: string): Promise<string[]> {
  const result = await runGit(['config', '--blob', `${commit}:.gitmodules`, '--get-regexp', '^submodule\\..*\\.path$'], {
    cwd,
    expectedExitCodes: [0, 1, 128],
  });
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => line.slice(line.indexOf(' ') + 1));
}
