import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { identityEnv, NO_HOOKS_NO_SIGNING } from './commit-files.js';
import { runGit } from './run-git.js';
import { gitPlace, type WorktreeGit } from './worktree-git.js';

/**
 * Records everything in a worktree that is not committed — modified, deleted and untracked files, not
 * ignored ones — as a commit on top of HEAD, without touching the worktree, its index or any branch
 * (a throwaway index file does the staging). Returns null when there is nothing uncommitted. Used
 * before anything that would discard such work (rollback, discard, resume), so it stays reachable.
 */
export async function snapshotWorktree(worktree: WorktreeGit, message: string): Promise<string | null> {
  const indexFile = path.join(os.tmpdir(), `mlx-factory-index-${crypto.randomBytes(6).toString('hex')}`);
  const env = { ...identityEnv(), GIT_INDEX_FILE: indexFile };
  const at = gitPlace(worktree);
  try {
    const [head = '', headTree = ''] = (await runGit(['rev-parse', 'HEAD^{commit}', 'HEAD^{tree}'], at)).stdout.trim().split('\n');
    // Start from a copy of the worktree's own index: its stat data spares git re-hashing every file.
    const realIndex = path.join(worktree.gitDir, 'index');
    if (fs.existsSync(realIndex)) fs.copyFileSync(realIndex, indexFile);
    else await runGit(['read-tree', 'HEAD'], { ...at, env });
    await runGit(['add', '--all', '--', '.'], { ...at, env });
    const tree = (await runGit(['write-tree'], { ...at, env })).stdout.trim();
    if (tree === headTree) return null;
    const commit = await runGit([...NO_HOOKS_NO_SIGNING, 'commit-tree', tree, '-p', head, '-F', '-'], {
      ...at,
      env: identityEnv(),
      stdin: `${message}\n`,
    });
    return commit.stdout.trim();
  } finally {
    fs.rmSync(indexFile, { force: true });
  }
}
