import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { hasCommit } from '../workspace/git/has-commit.js';
import { inspectRepo } from '../workspace/git/repo-info.js';
import { repairWorktree } from '../workspace/git/worktree-repair.js';
import { appendEvent, loadSession } from './session-store.js';

/**
 * The user moved the repository after a session started: point the session at the new folder. The
 * new folder must hold the session's base commit (the same repository), and git re-links the
 * session's worktree with it (`git worktree repair`).
 */
export async function relocateSession(paths: AppPaths, id: string, newFolder: string): Promise<{ from: string; to: string }> {
  const record = loadSession(paths, id);
  const repo = await inspectRepo(path.resolve(newFolder));
  if (!(await hasCommit(repo.root, record.baseCommit))) {
    throw new FactoryError(
      'BAD_USAGE',
      `${repo.root} does not contain the session's base commit ${record.baseCommit.slice(0, 8)}; it is not the repository session ${id} started in.`,
    );
  }
  if (fs.existsSync(record.worktree)) await repairWorktree(repo.root, record.worktree);
  if (repo.root !== record.repo) appendEvent(paths, id, { type: 'session.relocated', from: record.repo, to: repo.root });
  return { from: record.repo, to: repo.root };
}
