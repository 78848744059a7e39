import { NO_HOOKS_NO_SIGNING } from './commit-files.js';
import { runGit } from './run-git.js';

export interface CommitTreeOptions {
  readonly cwd: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
  /** Identity variables (GIT_AUTHOR_NAME …); see commit-identity.ts. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * `git commit-tree`: makes a commit object from a tree and parents without touching any branch, index
 * or working tree. Merge and squash commits are built this way, so the user's folder is never checked
 * out (Crystal's mistake was `git checkout main` in the user's own folder).
 */
export async function commitTree(options: CommitTreeOptions): Promise<string> {
  const parents = options.parents.flatMap((p) => ['-p', p]);
  const result = await runGit([...NO_HOOKS_NO_SIGNING, 'commit-tree', options.tree, ...parents, '-F', '-'], {
    cwd: options.cwd,
    stdin: options.message.endsWith('\n') ? options.message : `${options.message}\n`,
    ...(options.env ? { env: options.env } : {}),
  });
  return result.stdout.trim();
}
