import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { changedPaths } from '../workspace/git/changed-paths.js';
import { commitTree } from '../workspace/git/commit-tree.js';
import { userIdentityEnv } from '../workspace/git/commit-identity.js';
import { isAncestor } from '../workspace/git/merge-base.js';
import { mergeTree } from '../workspace/git/merge-tree.js';
import { readRef } from '../workspace/git/read-ref.js';
import { resetSessionWorktree } from '../workspace/git/reset-hard.js';
import { reopenSessionWorktree } from './reopen-worktree.js';
import { assertNotDiscarded, assertNotRunning, openSession } from './session-context.js';
import { appendEvent, loadSession, syncMeta } from './session-store.js';

/**
 * "Update from main": the base branch is merged into the session branch (a merge, not a rebase, so
 * the steps and rollback refs stay valid). The merge is predicted with `git merge-tree` first; a
 * conflict changes nothing and names the files. A clean one is built as a commit object (no checkout
 * anywhere), then the session worktree — reached only through its recorded gitdir — is moved to it.
 * The base is recorded again: the session's diff is against the new base from then on.
 */
export interface UpdateFromBaseResult {
  readonly updated: boolean;
  readonly branch: string;
  readonly fromBase: string;
  readonly toBase: string;
  readonly mergeCommit: string | null;
  /** Files the base branch brought in. */
  readonly files: readonly string[];
  readonly message: string;
}

export async function updateFromBase(paths: AppPaths, id: string): Promise<UpdateFromBaseResult> {
  const context = await openSession(paths, id);
  assertNotRunning(context.record, 'update');
  assertNotDiscarded(context, 'update');
  // The worktree at the last logged step (anything else there is kept under a ref first), through the recorded gitdir.
  const { git } = await reopenSessionWorktree(context.record, 'updated');
  const record = loadSession(paths, id).record;
  const head = record.headCommit;
  const branch = record.baseBranch;
  if (branch === null) throw new FactoryError('MERGE_TARGET_REQUIRED', `Session ${id} started on a detached HEAD: there is no base branch to update from.`);
  const tip = await readRef(context.commonDir, `refs/heads/${branch}`);
  if (tip === null) throw new FactoryError('BRANCH_NOT_FOUND', `The base branch ${branch} no longer exists in ${record.repo}.`);
  const same = { updated: false, branch, fromBase: record.baseCommit, toBase: record.baseCommit, mergeCommit: null, files: [] };
  if (await isAncestor(record.repo, tip, head)) return { ...same, message: `Session ${id} already has everything on ${branch} (${tip.slice(0, 8)}).` };
  const merged = await mergeTree(record.repo, head, tip);
  if (!merged.clean) {
    const list = merged.conflicts.map((c) => `  ${c.path}${c.kinds.length > 0 ? ` (${c.kinds.join(', ')})` : ''}`).join('\n');
    throw new FactoryError('MERGE_CONFLICTS', `Updating session ${id} from ${branch} would conflict in ${merged.conflicts.length} file(s); nothing was changed:\n${list}`, {
      conflicts: merged.conflicts.map((c) => c.path),
    });
  }
  const mergeCommit = await commitTree({
    cwd: record.repo,
    tree: merged.tree,
    parents: [head, tip],
    message: `Update from ${branch} (${tip.slice(0, 8)})\n\nFactory-Session: ${id}`,
    env: await userIdentityEnv(record.repo),
  });
  const files = await changedPaths(record.repo, head, mergeCommit);
  await resetSessionWorktree(git, mergeCommit);
  appendEvent(paths, id, { type: 'base.updated', branch, fromBase: record.baseCommit, toBase: tip, mergeCommit, files });
  syncMeta(paths, loadSession(paths, id).record);
  return { updated: true, branch, fromBase: record.baseCommit, toBase: tip, mergeCommit, files, message: `Session ${id} now has ${branch} at ${tip.slice(0, 8)} merged in (${files.length} file(s) came in); not checked since.` };
}
