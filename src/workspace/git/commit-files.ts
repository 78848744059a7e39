import { FactoryError } from '../../errors/factory-error.js';
import { runGit } from './run-git.js';
import { gitPlace, type WorktreeGit } from './worktree-git.js';

/**
 * Commits the given paths of a session worktree (only what the Coder edited: the check's own output,
 * caches and build products stay out of the history). The session's commits are the app's, not the user's: a
 * fixed identity (so a machine with no git identity works), no hooks (the user's hooks are not meant
 * for model drafts) and no signing prompt. Returns the new commit, or null when nothing changed.
 */
const FACTORY_IDENTITY = { name: 'MLX Factory', email: 'factory@mlx-factory.invalid' } as const;

const NO_HOOKS_NO_SIGNING = ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false'];

export interface CommitFilesOptions {
  readonly worktree: WorktreeGit;
  readonly paths: readonly string[];
  readonly subject: string;
  readonly trailers: Readonly<Record<string, string>>;
}

export async function commitFiles(options: CommitFilesOptions): Promise<string | null> {
  if (options.paths.length === 0) return null;
  const at = gitPlace(options.worktree);
  await runGit(['add', '--all', '--', ...options.paths.map((p) => `:(literal)${p}`)], at);
  const trailers = Object.entries(options.trailers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  const commit = await runGit([...NO_HOOKS_NO_SIGNING, 'commit', '--quiet', '--no-verify', '--file', '-'], {
    ...at,
    stdin: `${options.subject}\n\n${trailers}\n`,
    env: identityEnv(),
    expectedExitCodes: [0, 1],
  });
  if (commit.exitCode === 1) {
    // git exits 1 both for "nothing to commit" (an edit that rewrote identical content) and for real errors.
    if (/nothing (added )?to commit|no changes added to commit/.test(commit.stdout + commit.stderr)) return null;
    throw new FactoryError('GIT_FAILED', `git commit failed: ${(commit.stderr || commit.stdout).trim()}`);
  }
  const head = await runGit(['rev-parse', 'HEAD'], at);
  return head.stdout.trim();
}

export function identityEnv(): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: FACTORY_IDENTITY.name,
    GIT_AUTHOR_EMAIL: FACTORY_IDENTITY.email,
    GIT_COMMITTER_NAME: FACTORY_IDENTITY.name,
    GIT_COMMITTER_EMAIL: FACTORY_IDENTITY.email,
  };
}

export { NO_HOOKS_NO_SIGNING };
