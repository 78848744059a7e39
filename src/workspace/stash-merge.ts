import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';
import { faultPoint } from './fault-point.js';
import { mergeTree } from './git/merge-tree.js';
import { readRef } from './git/read-ref.js';
import { runGit } from './git/run-git.js';
import { deleteRef } from './git/update-ref.js';
import { lstatIfPresent } from './lstat-if-present.js';
import { isWorktreeOf } from './merge-journal.js';
import { buildStash, clearStashedPaths, keepStash, restoreCommand, type UserStash } from './stash-changes.js';
import { readStashJournal, stashJournalFile, writeStashJournal, type StashJournal } from './stash-journal.js';

/**
 * Stash-and-merge (DESIGN "Conflicts"): an explicit, confirmed way past a merge blocked by the user's
 * uncommitted changes in their checkout. Each step is journalled (stash-journal.ts) before it writes:
 *   1. build the stash commits (nothing in the checkout changes);
 *   2. keep them under refs/factory/stash/N;
 *   3. take the stashed changes out of the checkout;
 *   4. the journalled fast-forward (merge-journal.ts);
 *   5. put the changes back with `git stash apply` — only after `git merge-tree` said it is clean;
 *   6. drop the ref.
 * A conflicting restore, or a crash after step 2, stops with the changes under the ref; every later
 * command on the repository says so, with the command that restores them, until the ref is gone.
 */
export interface StashOutcome {
  readonly ref: string;
  readonly restored: boolean;
  /** The stashed files. */
  readonly files: readonly string[];
  /** Where the restore conflicted (empty when restored, or refused for another reason). */
  readonly conflicts: readonly string[];
  readonly restoreCommand: string;
  readonly message: string;
}

export interface StashMergeRequest {
  readonly commonDir: string;
  readonly checkout: string;
  readonly target: string;
  readonly blocked: readonly string[];
  readonly label: string;
}

export async function stashAroundFastForward(request: StashMergeRequest, fastForward: () => Promise<void>): Promise<StashOutcome> {
  const file = stashJournalFile(request.commonDir);
  const base: StashJournal = {
    version: 1,
    checkout: request.checkout,
    phase: 'stashing',
    stash: null,
    expected: null,
    conflicts: [],
    target: request.target,
    startedAt: new Date().toISOString(),
  };
  writeStashJournal(file, base);
  await faultPoint('stash:journal');
  let stash: UserStash;
  try {
    stash = await buildStash(request.checkout, request.blocked, `stash before merging into ${request.target} (${request.label})`);
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw error;
  }
  const journal: StashJournal = { ...base, phase: 'stashed', stash };
  writeStashJournal(file, journal);
  await keepStash(request.checkout, stash);
  await faultPoint('stash:ref');
  await clearStashedPaths(request.checkout, stash, () => faultPoint('stash:clearing'));
  await faultPoint('stash:cleared');
  try {
    await fastForward();
  } catch (error) {
    // Nothing merged: the changes go back onto the same HEAD (always clean), then the refusal stands.
    const back = await restoreStash(file, journal);
    if (!back.restored) throw new FactoryError('STASH_NOT_RESTORED', `${String((error as Error).message)}\n${back.message}`);
    throw error;
  }
  writeStashJournal(file, { ...journal, phase: 'merged' });
  await faultPoint('stash:merged');
  return restoreStash(file, { ...journal, phase: 'merged' });
}

async function restoreStash(file: string, journal: StashJournal): Promise<StashOutcome> {
  const stash = journal.stash as UserStash;
  const checkout = journal.checkout;
  const files = [...stash.tracked, ...stash.untracked];
  const command = restoreCommand(checkout, stash.ref);
  const head = (await runGit(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: checkout })).stdout.trim();
  const predicted = await mergeTree(checkout, head, stash.commit);
  const conflicts = [...predicted.conflicts.map((c) => c.path)];
  // An untracked file comes back only where nothing is now (git stash apply would refuse, and rightly).
  const inHead = await pathsIn(checkout, head, stash.untracked);
  for (const u of stash.untracked) if (inHead.has(u) || lstatIfPresent(path.join(checkout, u)) !== undefined) conflicts.push(u);
  if (conflicts.length > 0) {
    writeStashJournal(file, { ...journal, phase: 'kept', conflicts });
    return {
      ref: stash.ref,
      restored: false,
      files,
      conflicts,
      restoreCommand: command,
      message: keptMessage(journal, `putting them back would conflict with the merge in ${conflicts.join(', ')}`),
    };
  }
  writeStashJournal(file, { ...journal, phase: 'restoring', expected: predicted.tree });
  await faultPoint('stash:restoring');
  // --index first (what was staged comes back staged); git refuses that up front, writing nothing, when
  // the staged part no longer applies to the merged index — then the plain apply (all of it unstaged).
  let applied = await runGit(['stash', 'apply', '--index', '--quiet', stash.ref], { cwd: checkout, expectedExitCodes: [0, 1] });
  if (applied.exitCode !== 0 && /try without --index/i.test(applied.stderr))
    applied = await runGit(['stash', 'apply', '--quiet', stash.ref], { cwd: checkout, expectedExitCodes: [0, 1] });
  if (applied.exitCode !== 0) {
    writeStashJournal(file, { ...journal, phase: 'kept', conflicts: [] });
    const why = applied.stderr.trim().split('\n').slice(0, 6).join(' ');
    return {
      ref: stash.ref,
      restored: false,
      files,
      conflicts: [],
      restoreCommand: command,
      message: keptMessage(journal, `git stash apply refused (${why})`),
    };
  }
  await faultPoint('stash:applied');
  await deleteRef(checkout, stash.ref, stash.commit);
  fs.rmSync(file, { force: true });
  return {
    ref: stash.ref,
    restored: true,
    files,
    conflicts: [],
    restoreCommand: command,
    message: `Your uncommitted changes to ${files.length} file(s) were put aside during the merge and are back in ${checkout}.`,
  };
}

function keptMessage(journal: StashJournal, why: string): string {
  const stash = journal.stash as UserStash;
  const files = [...stash.tracked, ...stash.untracked];
  const listed = files.slice(0, 8).join(', ') + (files.length > 8 ? ` and ${files.length - 8} more` : '');
  return (
    `Your uncommitted changes to ${files.length} file(s) in ${journal.checkout} (${listed}) are kept under ${stash.ref}: ${why}. ` +
    `Restore them with:\n  ${restoreCommand(journal.checkout, stash.ref)}\n` +
    `(git marks any conflict in the files; resolve it, then delete the ref if the apply stopped). ` +
    `To drop them instead: git -C ${journal.checkout} update-ref -d ${stash.ref}. ` +
    `Session commands on this repository stop here until the ref is gone.`
  );
}

async function pathsIn(checkout: string, treeish: string, files: readonly string[]): Promise<Set<string>> {
  if (files.length === 0) return new Set();
  const listing = await runGit(['ls-tree', '-r', '-z', '--name-only', treeish, '--', ...files.map((f) => `:(literal)${f}`)], {
    cwd: checkout,
  });
  return new Set(listing.stdout.split('\0').filter((p) => p !== ''));
}

/**
 * Before any command on the repository: finishes what a crash left of a stash-and-merge, or stops with
 * the way back. Never writes a stashed change anywhere but where it already was: a checkout half
 * cleared is cleared the rest of the way only for files still holding exactly the stashed content (the
 * ref has them), so `git stash apply` then works as the message says.
 */
export async function settleInterruptedStash(commonDir: string): Promise<void> {
  const file = stashJournalFile(commonDir);
  const journal = readStashJournal(file);
  if (journal === null) return;
  if (journal === 'invalid') {
    throw new FactoryError(
      'STASH_NOT_RESTORED',
      `The stash-and-merge journal ${file} cannot be read, so nothing was changed. Your changes may be under a refs/factory/stash/ ref: \`git for-each-ref refs/factory/stash/\` lists them, \`git stash apply REF\` restores one; then delete ${file}.`,
    );
  }
  const stash = journal.stash;
  // Built but never kept, or kept and since restored/dropped by the user: nothing of ours is pending.
  if (stash === null || (await readRef(commonDir, stash.ref)) === null) {
    fs.rmSync(file, { force: true });
    return;
  }
  if (!(await isWorktreeOf(commonDir, journal.checkout))) {
    throw new FactoryError(
      'STASH_NOT_RESTORED',
      `The stash-and-merge journal ${file} names ${journal.checkout}, which is not a worktree of this repository; nothing was changed. The changes it kept are under ${stash.ref} (\`git stash apply ${stash.ref}\` in your checkout restores them); then delete ${file}.`,
    );
  }
  const checkout = journal.checkout;
  if (journal.phase === 'restoring' && journal.expected !== null && (await holds(checkout, journal.expected, stash))) {
    // The apply had finished: the changes are back; only the clean-up was cut off.
    await deleteRef(checkout, stash.ref, stash.commit);
    fs.rmSync(file, { force: true });
    return;
  }
  const head = (await runGit(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: checkout })).stdout.trim();
  let changedSince: string[] = [];
  if (journal.phase === 'stashed' && head === stash.base) changedSince = await finishClearing(checkout, stash);
  const phase = journal.phase === 'kept' ? 'kept' : 'interrupted';
  writeStashJournal(file, { ...journal, phase: 'kept' });
  const why =
    phase === 'kept'
      ? journal.conflicts.length > 0
        ? `putting them back conflicted with the merge in ${journal.conflicts.join(', ')}`
        : 'they could not be put back after the merge'
      : `a "stash and merge" into ${journal.target} was interrupted (${head === stash.base ? 'before the merge' : 'after the merge'})`;
  const also =
    changedSince.length > 0
      ? ` These stashed files were changed again since and were left as they are: ${changedSince.join(', ')} (move them aside before \`git stash apply\`).`
      : '';
  throw new FactoryError('STASH_NOT_RESTORED', `${keptMessage(journal, why)}${also}`, {
    ref: stash.ref,
    checkout,
    restoreCommand: restoreCommand(checkout, stash.ref),
  });
}

/** Clears the stashed paths still holding the stashed content; returns those holding something else. */
async function finishClearing(checkout: string, stash: UserStash): Promise<string[]> {
  const trackedNow = await worktreeBlobs(checkout, stash.tracked);
  const trackedStashed = await treeBlobs(checkout, stash.commit, stash.tracked);
  const trackedBase = await treeBlobs(checkout, stash.base, stash.tracked);
  const untrackedNow = await worktreeBlobs(checkout, stash.untracked);
  const untrackedStashed =
    stash.untracked.length === 0 ? new Map<string, string>() : await treeBlobs(checkout, `${stash.commit}^3`, stash.untracked);
  const strangers: string[] = [];
  const tracked: string[] = [];
  const untracked: string[] = [];
  for (const f of stash.tracked) {
    const now = trackedNow.get(f) ?? null;
    if (now === (trackedStashed.get(f) ?? null)) tracked.push(f);
    else if (now !== (trackedBase.get(f) ?? null)) strangers.push(f);
  }
  for (const f of stash.untracked) {
    const now = untrackedNow.get(f) ?? null;
    if (now !== null && now === untrackedStashed.get(f)) untracked.push(f);
    else if (now !== null) strangers.push(f);
  }
  await clearStashedPaths(checkout, { ...stash, tracked, untracked });
  return strangers;
}

/** Do the stashed paths hold what the restore was to write (the predicted tree; U for untracked files)? */
async function holds(checkout: string, expected: string, stash: UserStash): Promise<boolean> {
  const want = new Map([
    ...(await treeBlobs(checkout, expected, stash.tracked)),
    ...(stash.untracked.length === 0 ? [] : await treeBlobs(checkout, `${stash.commit}^3`, stash.untracked)),
  ]);
  const files = [...stash.tracked, ...stash.untracked];
  const have = await worktreeBlobs(checkout, files);
  return files.every((f) => (have.get(f) ?? null) === (want.get(f) ?? null));
}

async function treeBlobs(checkout: string, treeish: string, files: readonly string[]): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  if (files.length === 0) return blobs;
  const listing = await runGit(['ls-tree', '-r', '-z', treeish, '--', ...files.map((f) => `:(literal)${f}`)], { cwd: checkout });
  for (const entry of listing.stdout.split('\0').filter((e) => e !== '')) {
    const tab = entry.indexOf('\t');
    blobs.set(entry.slice(tab + 1), entry.slice(0, tab).split(' ')[2] ?? '');
  }
  return blobs;
}

/** The blob id each file would get if added now (the user's filters apply, as they did when stashed). */
async function worktreeBlobs(checkout: string, files: readonly string[]): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  const regular: string[] = [];
  for (const f of files) {
    const full = path.join(checkout, f);
    const stat = lstatIfPresent(full);
    if (stat === undefined) continue;
    if (stat.isSymbolicLink()) {
      const hashed = await runGit(['hash-object', '--stdin'], { cwd: checkout, stdin: fs.readlinkSync(full) });
      blobs.set(f, hashed.stdout.trim());
    } else if (stat.isFile()) regular.push(f);
    else blobs.set(f, 'not-a-file');
  }
  if (regular.length > 0) {
    const hashed = await runGit(['hash-object', '--stdin-paths'], { cwd: checkout, stdin: `${regular.join('\n')}\n` });
    hashed.stdout
      .trim()
      .split('\n')
      .forEach((oid, i) => blobs.set(regular[i] ?? '', oid));
  }
  return blobs;
}
