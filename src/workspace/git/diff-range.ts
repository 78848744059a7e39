import { runGit } from './run-git.js';

/** The unified diff between two commits (what one attempt changed), as text for the Sheriff. */
export async function diffRange(cwd: string, from: string, to: string): Promise<string> {
  const result = await runGit(['diff', '--no-color', '--no-ext-diff', '--find-renames', from, to], { cwd });
  return result.stdout;
}
