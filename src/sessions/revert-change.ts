import fs from 'node:fs';
import { checkRelativePath } from '../agents/edit-path.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { commitFiles } from '../workspace/git/commit-files.js';
import { diffHunks, type DiffHunk } from '../workspace/git/diff-hunks.js';
import { listChangedFiles, type ChangedFile } from '../workspace/git/diff-file-list.js';
import { readBlobs } from '../workspace/git/read-blobs.js';
import { runGit } from '../workspace/git/run-git.js';
import { uncommittedPaths } from '../workspace/git/status.js';
import { gitPlace, type WorktreeGit } from '../workspace/git/worktree-git.js';
import { hunkLines, revertHunk, sameHunk } from '../workspace/revert-hunk.js';
import { removeWorktreeFiles, writeWorktreeFile } from '../workspace/worktree-files.js';
import { assertNotDiscarded, assertNotRunning, openSession } from './session-context.js';
import { appendEvent } from './session-store.js';
import { assertAppStopped } from './run-guard.js';

/**
 * Per-file and per-hunk review (#21): the reviewer reverts one file, or one hunk, of the session's
 * changes against its base. The result is a step like the Coder's — a commit on the session branch
 * ("Reverted …", trailer Factory-Review), a `review.reverted` event, a step in the projection — so it
 * is undone by rolling back to the step before it.
 *
 * Everything is checked before anything is written, and a refusal writes nothing: the path must be
 * one of the session's changed files and inside the worktree; the file must have no uncommitted state
 * in the worktree (a check that swapped it for a link shows up here); a hunk must be exactly one of the
 * file's hunks now, in a regular text file on both sides.
 */
export interface RevertRequest {
  readonly path: string;
  /** null / undefined: the whole file. */
  readonly hunk?: DiffHunk | null | undefined;
}

export interface RevertResult {
  readonly step: number;
  readonly sha: string;
  readonly label: string;
  readonly files: readonly string[];
}

const REGULAR = new Set(['100644', '100755']);

export async function revertChange(paths: AppPaths, id: string, request: RevertRequest): Promise<RevertResult> {
  const context = await openSession(paths, id);
  const { record } = context;
  assertNotRunning(record, 'revert a change of');
  assertAppStopped(record, 'reverted');
  const head = assertNotDiscarded(context, 'revert');
  const checked = checkRelativePath(request.path);
  if (!checked.ok)
    throw new FactoryError('PATH_OUTSIDE_WORKTREE', `Cannot revert ${request.path}: ${checked.reason}. Nothing was written.`);
  if (!fs.existsSync(record.worktree) || record.gitDir === null) {
    throw new FactoryError('SESSION_DISCARDED', `Session ${id}'s worktree is gone (cleaned up or removed); there is nothing to revert in.`);
  }
  const worktree: WorktreeGit = { workTree: record.worktree, gitDir: record.gitDir };
  const files = await listChangedFiles(record.repo, record.baseCommit, head);
  const file = files.find((f) => f.path === checked.path);
  if (file === undefined) {
    throw new FactoryError(
      'HUNK_NOT_APPLICABLE',
      `${checked.path} is not among the session's changes against its base (${record.baseCommit.slice(0, 8)}); nothing was written.`,
    );
  }
  const touched = file.oldPath !== null && file.oldPath !== file.path ? [file.path, file.oldPath] : [file.path];
  const dirty = (await uncommittedPaths(worktree)).filter((p) => touched.includes(p));
  if (dirty.length > 0) {
    throw new FactoryError(
      'PATH_REFUSED',
      `${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes in the session's worktree (something other than a step changed ${dirty.length === 1 ? 'it' : 'them'}); nothing was written.`,
    );
  }
  const hunk = request.hunk ?? null;
  const label = hunk === null ? `Reverted ${file.path}` : `Reverted ${file.path}, ${hunkLines(hunk)}`;
  if (hunk === null) await revertWholeFile(worktree, record.baseCommit, touched);
  else await revertOneHunk(record.repo, record.worktree, file, hunk);
  const sha = await commitFiles({
    worktree,
    paths: touched,
    subject: label,
    trailers: { 'Factory-Session': record.id, 'Factory-Review': 'revert' },
  });
  if (sha === null) throw new FactoryError('HUNK_NOT_APPLICABLE', `Reverting ${file.path} changed nothing; nothing was written.`);
  const step = record.steps.reduce((max, s) => Math.max(max, s.step), 0) + 1;
  appendEvent(paths, record.id, { type: 'review.reverted', step, sha, files: touched, file: file.path, hunk, label });
  return { step, sha, label, files: touched };
}

/**
 * The base's version of each path, written by git (modes and links as the base has them); a path the
 * base lacks is removed from the worktree only (never through a link: lstat-first), and the commit's
 * `add --all` records its removal.
 */
async function revertWholeFile(worktree: WorktreeGit, base: string, touched: readonly string[]): Promise<void> {
  const at = gitPlace(worktree);
  const literal = touched.map((p) => `:(literal)${p}`);
  const inBase = new Set(
    (await runGit(['ls-tree', '-r', '-z', '--name-only', base, '--', ...literal], at)).stdout.split('\0').filter((p) => p !== ''),
  );
  const restore = touched.filter((p) => inBase.has(p));
  if (restore.length > 0) await runGit(['checkout', base, '--', ...restore.map((p) => `:(literal)${p}`)], at);
  const refused = removeWorktreeFiles(
    worktree.workTree,
    touched.filter((p) => !inBase.has(p)),
  );
  if (refused.length > 0)
    throw new FactoryError('PATH_REFUSED', `Cannot remove ${refused.join(', ')}: a folder on the way is a symbolic link or a file.`);
}

async function revertOneHunk(repo: string, worktreeDir: string, file: ChangedFile, hunk: DiffHunk): Promise<void> {
  if (file.newMode === '120000' || file.oldMode === '120000') {
    throw new FactoryError(
      'HUNK_NOT_APPLICABLE',
      `${file.path} is a symbolic link on one side; it has no lines to revert one by one — revert the whole file instead. Nothing was written.`,
    );
  }
  if ((file.status !== 'modified' && file.status !== 'renamed') || !REGULAR.has(file.oldMode) || !REGULAR.has(file.newMode)) {
    throw new FactoryError(
      'HUNK_NOT_APPLICABLE',
      `${file.path} was ${file.status} by the session; revert the whole file instead. Nothing was written.`,
    );
  }
  const [before, after] = await readBlobs(repo, [file.oldOid, file.newOid]);
  if (before?.content == null || after?.content == null)
    throw new FactoryError('HUNK_NOT_APPLICABLE', `${file.path} could not be read from git.`);
  if (before.content.subarray(0, 8000).includes(0) || after.content.subarray(0, 8000).includes(0)) {
    throw new FactoryError('HUNK_NOT_APPLICABLE', `${file.path} is a binary file; revert the whole file instead. Nothing was written.`);
  }
  const hunks = await diffHunks(repo, file.oldOid, file.newOid);
  if (!hunks.some((h) => sameHunk(h, hunk))) {
    throw new FactoryError(
      'HUNK_NOT_APPLICABLE',
      `The session's changes to ${file.path} no longer have that hunk (${hunkLines(hunk)}): the file changed since it was shown. Reload the diff; nothing was written.`,
      { hunks },
    );
  }
  const written = writeWorktreeFile(worktreeDir, file.path, revertHunk(before.content, after.content, hunk));
  if (!written.ok) throw new FactoryError('PATH_REFUSED', `Cannot revert ${file.path}: ${written.reason}. Nothing was written.`);
}

/** The hunks of one changed file (against the base), for the review's revert buttons; [] when there are none to offer. */
export async function fileHunks(repo: string, file: ChangedFile): Promise<DiffHunk[]> {
  if ((file.status !== 'modified' && file.status !== 'renamed') || !REGULAR.has(file.oldMode) || !REGULAR.has(file.newMode)) return [];
  if (file.binary === true) return [];
  return diffHunks(repo, file.oldOid, file.newOid);
}

/** "Viewed": marks (or unmarks) a changed file as it is in the session's head now. */
export async function markViewed(paths: AppPaths, id: string, filePath: string, viewed: boolean): Promise<Record<string, string>> {
  const context = await openSession(paths, id);
  const { record } = context;
  // The loop's open log is the only writer while it runs: a second writer would repeat its seq.
  assertNotRunning(record, 'mark files viewed in');
  const head = context.branchHead ?? record.headCommit;
  const file = (await listChangedFiles(record.repo, record.baseCommit, head)).find((f) => f.path === filePath);
  if (file === undefined) throw new FactoryError('BAD_USAGE', `${filePath} is not among the session's changes; there is nothing to mark.`);
  appendEvent(paths, record.id, { type: 'review.viewed', file: filePath, blob: viewed ? file.newOid : null });
  const { viewed: marks } = (await openSession(paths, id)).record;
  return { ...marks };
}
