import fs from 'node:fs';
import path from 'node:path';
import { listWorktrees, type WorktreeEntry } from './git/worktree-list.js';

/**
 * Where a session's worktree stands: registered with git and present, deleted by hand (git still lists
 * it as prunable), or not known to git at all.
 */
export type WorktreeState = 'present' | 'folder-missing' | 'unregistered';

export async function worktreeState(repoRoot: string, worktree: string): Promise<{ state: WorktreeState; entry: WorktreeEntry | null }> {
  const entries = await listWorktrees(repoRoot);
  const wanted = canonical(worktree);
  const entry = entries.find((e) => canonical(e.path) === wanted) ?? null;
  if (entry === null) return { state: 'unregistered', entry };
  return { state: entry.prunable === null && fs.existsSync(worktree) ? 'present' : 'folder-missing', entry };
}

function canonical(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    // A deleted folder: resolve its parent instead (it may sit behind a symlink such as /tmp → /private/tmp).
    try {
      return path.join(fs.realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  }
}
