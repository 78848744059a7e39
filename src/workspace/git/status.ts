import { runGit } from './run-git.js';
import { gitPlace, type GitAt } from './worktree-git.js';

/** Paths with uncommitted changes (staged, unstaged or untracked) in a working tree. */
export async function uncommittedPaths(at: GitAt): Promise<string[]> {
  // No optional locks: this only reads, and must not race the index with a concurrent git command.
  const result = await runGit(['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
    ...gitPlace(at),
    env: { GIT_OPTIONAL_LOCKS: '0' },
  });
  const entries = result.stdout.split('\0').filter((e) => e !== '');
  const paths: string[] = [];
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i] ?? '';
    paths.push(entry.slice(3));
    // A rename or copy is followed by its source path as a separate entry.
    if (entry[0] === 'R' || entry[0] === 'C') i += 1;
  }
  return paths;
}
