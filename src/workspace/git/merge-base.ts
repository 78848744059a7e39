import { runGit } from './run-git.js';

/** The best common ancestor of two commits, or null when they share no history. */
export async function mergeBase(cwd: string, a: string, b: string): Promise<string | null> {
  const result = await runGit(['merge-base', a, b], { cwd, expectedExitCodes: [0, 1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGit(['merge-base', '--is-ancestor', ancestor, descendant], { cwd, expectedExitCodes: [0, 1] });
  return result.exitCode === 0;
}
