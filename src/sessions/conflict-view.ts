import { parseConflictHunks, type ConflictHunk } from '../api/conflict-hunks.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { isAncestor } from '../workspace/git/merge-base.js';
import { mergeTree, type MergeConflict } from '../workspace/git/merge-tree.js';
import { readBlobs } from '../workspace/git/read-blobs.js';
import { readRef } from '../workspace/git/read-ref.js';
import { predictMerge } from '../workspace/predict-merge.js';
import { sessionMergeSides } from './merge-session.js';
import { assertNotDiscarded, openSession } from './session-context.js';

/**
 * The conflict view (#21): when merging the session into its base branch, or updating it from that
 * branch, would conflict, each conflicting file with its hunks — both sides and the common base —
 * taken from the very `git merge-tree` the merge would run (with the base written between the sides),
 * so the re-merge base and git 2.39's graft path (predict-merge.ts) hold here too. Nothing is written
 * anywhere but the object database.
 */
export type ConflictDirection = 'merge' | 'update';

interface ConflictFile {
  readonly path: string;
  readonly kinds: readonly string[];
  /** Empty for a conflict that is not about lines (modify/delete, rename, binary): `kinds` says which. */
  readonly hunks: readonly ConflictHunk[];
}

export interface ConflictView {
  readonly direction: ConflictDirection;
  /** What each side is, in words ("main", "the session"). */
  readonly ours: string;
  readonly theirs: string;
  readonly files: readonly ConflictFile[];
}

const MAX_FILES = 200;

export async function sessionConflicts(paths: AppPaths, id: string, direction: ConflictDirection): Promise<ConflictView> {
  const context = await openSession(paths, id);
  const head = assertNotDiscarded(context, 'compare');
  const { record } = context;
  const branch = record.baseBranch;
  if (branch === null)
    throw new FactoryError('MERGE_TARGET_REQUIRED', `Session ${id} started on a detached HEAD: there is no base branch.`);
  let conflicts: readonly MergeConflict[] = [];
  let tree = '';
  if (direction === 'merge') {
    const sides = await sessionMergeSides(context);
    if (sides !== null) {
      const prediction = await predictMerge(sides, { withBase: true });
      conflicts = prediction.conflicts;
      tree = prediction.tree;
    }
  } else {
    const tip = await readRef(context.commonDir, `refs/heads/${branch}`);
    if (tip === null) throw new FactoryError('BRANCH_NOT_FOUND', `The base branch ${branch} no longer exists in ${record.repo}.`);
    if (!(await isAncestor(record.repo, tip, head))) {
      const merged = await mergeTree(record.repo, head, tip, { withBase: true });
      conflicts = merged.conflicts;
      tree = merged.tree;
    }
  }
  const shown = conflicts.slice(0, MAX_FILES);
  const blobs =
    shown.length === 0
      ? []
      : await readBlobs(
          record.repo,
          shown.map((c) => `${tree}:${c.path}`),
        );
  const files = shown.map((c, i) => {
    const content = blobs[i]?.content ?? null;
    return { path: c.path, kinds: c.kinds, hunks: content === null ? [] : parseConflictHunks(content.toString('utf8')) };
  });
  return direction === 'merge'
    ? { direction, ours: branch, theirs: 'the session', files }
    : { direction, ours: 'the session', theirs: branch, files };
}
