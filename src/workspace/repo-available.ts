import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';

/**
 * A session outlives its process; its repository may not outlive the session (moved, renamed,
 * deleted). Checked before any git call, so the user reads what happened instead of a spawn error.
 */
export function assertRepoAvailable(repoRoot: string, sessionId: string, worktree: string): void {
  const gitEntry = path.join(repoRoot, '.git');
  if (fs.existsSync(repoRoot) && fs.existsSync(gitEntry)) return;
  const what = fs.existsSync(repoRoot) ? `${repoRoot} is no longer a git repository` : `${repoRoot} no longer exists`;
  throw new FactoryError(
    'REPO_GONE',
    `Session ${sessionId} belongs to the repository at ${repoRoot}, but ${what} (moved or deleted). Nothing was changed. ` +
      `If you moved it, run \`git -C NEW_FOLDER worktree repair ${worktree}\` and then \`mlx-factory sessions relocate ${sessionId} NEW_FOLDER\`.`,
    { repo: repoRoot },
  );
}
