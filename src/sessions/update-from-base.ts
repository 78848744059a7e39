import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fenceFor } from '../agents/fence-for.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { changedPaths } from '../workspace/git/changed-paths.js';
import { commitTree } from '../workspace/git/commit-tree.js';
import { userIdentityEnv } from '../workspace/git/commit-identity.js';
import { isAncestor } from '../workspace/git/merge-base.js';
import { mergeTree } from '../workspace/git/merge-tree.js';
import { looksBinary, readBlobs } from '../workspace/git/read-blobs.js';
import { readRef } from '../workspace/git/read-ref.js';
import { runGit } from '../workspace/git/run-git.js';
import { resetSessionWorktree } from '../workspace/git/reset-hard.js';
import { reopenSessionWorktree } from './reopen-worktree.js';
import { replySession } from './reply-session.js';
import { assertNotDiscarded, assertNotRunning, openSession } from './session-context.js';
import { appendEvent, loadSession } from './session-store.js';
import type { LaunchDeps, SessionSummary } from './start-session.js';

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

/**
 * What an update from the base starts from: the session (not running, not discarded), its worktree
 * at the last logged step (anything else there is kept under a ref first, through the recorded
 * gitdir), its head, and the base branch with its tip.
 */
async function openForUpdate(paths: AppPaths, id: string) {
  const context = await openSession(paths, id);
  assertNotRunning(context.record, 'update');
  assertNotDiscarded(context, 'update');
  const { git } = await reopenSessionWorktree(context.record, 'updated');
  const record = loadSession(paths, id);
  const branch = record.baseBranch;
  if (branch === null)
    throw new FactoryError('MERGE_TARGET_REQUIRED', `Session ${id} started on a detached HEAD: there is no base branch to update from.`);
  const tip = await readRef(context.commonDir, `refs/heads/${branch}`);
  if (tip === null) throw new FactoryError('BRANCH_NOT_FOUND', `The base branch ${branch} no longer exists in ${record.repo}.`);
  return { git, record, head: record.headCommit, branch, tip };
}

export async function updateFromBase(paths: AppPaths, id: string): Promise<UpdateFromBaseResult> {
  const { git, record, head, branch, tip } = await openForUpdate(paths, id);
  const same = { updated: false, branch, fromBase: record.baseCommit, toBase: record.baseCommit, mergeCommit: null, files: [] };
  if (await isAncestor(record.repo, tip, head))
    return { ...same, message: `Session ${id} already has everything on ${branch} (${tip.slice(0, 8)}).` };
  const merged = await mergeTree(record.repo, head, tip);
  if (!merged.clean) {
    const list = merged.conflicts.map((c) => `  ${c.path}${c.kinds.length > 0 ? ` (${c.kinds.join(', ')})` : ''}`).join('\n');
    throw new FactoryError(
      'MERGE_CONFLICTS',
      `Updating session ${id} from ${branch} would conflict in ${merged.conflicts.length} file(s); nothing was changed:\n${list}`,
      {
        conflicts: merged.conflicts.map((c) => c.path),
      },
    );
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
  return {
    updated: true,
    branch,
    fromBase: record.baseCommit,
    toBase: tip,
    mergeCommit,
    files,
    message: `Session ${id} now has ${branch} at ${tip.slice(0, 8)} merged in (${files.length} file(s) came in); not checked since.`,
  };
}

/** How much of each side of a conflicted file the instruction carries. */
const SIDE_CHARS = 5000;

/**
 * "Ask the Coder to resolve": the update from the base branch conflicted. The merge is still made —
 * a merge commit whose conflicted files are the session's version (never git's conflict markers) —
 * and a new attempt series asks the Coder for each conflicted file whole, shown both ways in plain
 * labelled sections (the session's version, the base branch's version); then the check runs.
 */
export async function resolveConflictsWithCoder(paths: AppPaths, id: string, deps: LaunchDeps): Promise<SessionSummary> {
  const { git, record, head, branch, tip } = await openForUpdate(paths, id);
  const merged = await mergeTree(record.repo, head, tip);
  if (merged.clean)
    throw new FactoryError('BAD_USAGE', `Updating session ${id} from ${branch} does not conflict: use Update from ${branch}.`);
  const conflicted = merged.conflicts.map((c) => c.path);
  const sides = await readBlobs(
    record.repo,
    conflicted.flatMap((p) => [`${head}:${p}`, `${tip}:${p}`]),
  );
  const text = (i: number): string | null => {
    const content = sides[i]?.content ?? null;
    if (content !== null && looksBinary(content))
      throw new FactoryError(
        'UNSUPPORTED',
        `${conflicted[Math.floor(i / 2)] ?? ''} is a binary file; resolve this conflict in your editor.`,
      );
    return content === null ? null : content.toString('utf8');
  };
  const files = conflicted.map((p, i) => ({ path: p, ours: text(2 * i), theirs: text(2 * i + 1) }));
  const tree = await treeWithOurs(record.repo, merged.tree, head, conflicted);
  const mergeCommit = await commitTree({
    cwd: record.repo,
    tree,
    parents: [head, tip],
    message: `Update from ${branch} (${tip.slice(0, 8)}); conflicts in ${conflicted.join(', ')} left to the Coder\n\nFactory-Session: ${id}`,
    env: await userIdentityEnv(record.repo),
  });
  const changed = await changedPaths(record.repo, head, mergeCommit);
  await resetSessionWorktree(git, mergeCommit);
  appendEvent(paths, id, { type: 'base.updated', branch, fromBase: record.baseCommit, toBase: tip, mergeCommit, files: changed });
  return replySession(paths, id, conflictInstruction(branch, files), deps);
}

/** Both sides of each conflicted file in plain labelled sections: never git's conflict markers. */
function conflictInstruction(branch: string, files: readonly { path: string; ours: string | null; theirs: string | null }[]): string {
  const side = (label: string, content: string | null): string => {
    if (content === null) return `${label}: (the file does not exist on this side)`;
    const body = content.length > SIDE_CHARS ? `${content.slice(0, SIDE_CHARS)}\n…` : content;
    const fence = fenceFor(body);
    return `${label}:\n${fence}\n${body.endsWith('\n') ? body.slice(0, -1) : body}\n${fence}`;
  };
  const parts = files.map((f) =>
    [
      `File ${f.path}`,
      side(`${f.path} — this session's version (what the worktree has now)`, f.ours),
      side(`${f.path} — ${branch}'s version`, f.theirs),
    ].join('\n'),
  );
  return [
    `The base branch ${branch} was merged into this session and changed the same lines as the session in ${files.length} file(s).`,
    `Write each file below whole, keeping what both versions intended, so the check passes.`,
    '',
    parts.join('\n\n'),
  ].join('\n');
}

/** The merged tree with each conflicted path taken from `ours` (or removed if ours has none). */
async function treeWithOurs(repo: string, mergedTree: string, ours: string, conflicted: readonly string[]): Promise<string> {
  const index = path.join(os.tmpdir(), `mlx-factory-index-${crypto.randomBytes(6).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await runGit(['read-tree', mergedTree], { cwd: repo, env });
    for (const file of conflicted) {
      const entry = (await runGit(['ls-tree', '-z', ours, '--', file], { cwd: repo })).stdout.split('\0')[0] ?? '';
      const match = /^(\d+) blob ([0-9a-f]+)\t/.exec(entry);
      if (match === null) await runGit(['update-index', '--force-remove', '--', file], { cwd: repo, env });
      else await runGit(['update-index', '--add', '--cacheinfo', `${match[1] ?? ''},${match[2] ?? ''},${file}`], { cwd: repo, env });
    }
    return (await runGit(['write-tree'], { cwd: repo, env })).stdout.trim();
  } finally {
    fs.rmSync(index, { force: true });
  }
}
