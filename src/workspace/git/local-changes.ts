import { runGit } from './run-git.js';

/**
 * Which of `paths` have local state in a checkout that a change to them would destroy: staged or
 * unstaged edits, untracked files, and ignored files (git would overwrite an ignored file in the way
 * without asking). Pathspecs are literal and sent in chunks to stay under the command-line limit.
 */
const CHUNK = 500;

export async function localChangesAmong(checkout: string, paths: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (let start = 0; start < paths.length; start += CHUNK) {
    const pathspecs = paths.slice(start, start + CHUNK).map((p) => `:(literal)${p}`);
    const result = await runGit(
      ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=traditional', '--no-renames', '--', ...pathspecs],
      {
        cwd: checkout,
      },
    );
    for (const entry of result.stdout.split('\0')) {
      if (entry.length > 3) found.add(entry.slice(3));
    }
  }
  return [...found].sort();
}
