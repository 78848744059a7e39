import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';
import { nextRefNumber } from './factory-refs.js';
import { commitTree } from './git/commit-tree.js';
import { userIdentityEnv } from './git/commit-identity.js';
import { runGit } from './git/run-git.js';
import { updateRef } from './git/update-ref.js';
import { removeWorktreeFiles } from './worktree-files.js';

/**
 * Stash-and-merge's first half: the user's uncommitted changes to the files a merge is blocked by are
 * recorded (buildStash) as a commit shaped exactly like one of `git stash` (W with parents HEAD, the index commit I
 * and — for untracked or ignored files — U), kept under `refs/factory/stash/N` (keepStash), and only then taken out
 * of the checkout. Because the shape is git's own, `git stash apply refs/factory/stash/N` restores them
 * by hand whatever happened to us; that is the command every message gives.
 *
 * Only the paths in the way are stashed: the fast-forward leaves every other local change as it is, so
 * there is no reason to move them. Nothing in the user's index, worktree or refs changes until the ref
 * exists (the commits are built with throwaway index files).
 */
const STASH_PREFIX = 'refs/factory/stash/';

export interface UserStash {
  readonly ref: string;
  /** The stash commit (W). */
  readonly commit: string;
  /** HEAD of the checkout when stashed: W's first parent. */
  readonly base: string;
  /** Tracked paths (modified, staged, deleted, or added to the index). */
  readonly tracked: readonly string[];
  /** Untracked or ignored files (in U). */
  readonly untracked: readonly string[];
}

const literal = (paths: readonly string[]): string[] => paths.map((p) => `:(literal)${p}`);

export async function buildStash(checkout: string, paths: readonly string[], label: string): Promise<UserStash> {
  const at = { cwd: checkout };
  const status = await runGit(
    ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=traditional', '--no-renames', '--', ...literal(paths)],
    { ...at, env: { GIT_OPTIONAL_LOCKS: '0' } },
  );
  const tracked: string[] = [];
  const untracked: string[] = [];
  for (const entry of status.stdout.split('\0').filter((e) => e.length > 3)) {
    const xy = entry.slice(0, 2);
    const file = entry.slice(3);
    if (/U|AA|DD/.test(xy)) {
      throw new FactoryError('STASH_REFUSED', `${file} has an unresolved conflict in ${checkout}; resolve it first. Nothing was changed.`);
    }
    if (xy === '??' || xy === '!!') untracked.push(file);
    else tracked.push(file);
  }
  if (tracked.length + untracked.length === 0) {
    throw new FactoryError(
      'STASH_REFUSED',
      `None of the files in the way has local changes in ${checkout} any more; merge without stashing.`,
    );
  }
  const head = (await runGit(['rev-parse', '--verify', 'HEAD^{commit}'], at)).stdout.trim();
  const env = await userIdentityEnv(checkout);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlx-factory-stash-'));
  try {
    // I: HEAD with the user's staged state of the stashed paths (and nothing else of the index).
    const indexI = path.join(scratch, 'index-i');
    await runGit(['read-tree', head], { ...at, env: { GIT_INDEX_FILE: indexI } });
    if (tracked.length > 0) {
      const staged = await runGit(['ls-files', '-s', '-z', '--', ...literal(tracked)], { ...at, env: { GIT_OPTIONAL_LOCKS: '0' } });
      const inIndex = new Set<string>();
      let info = '';
      for (const line of staged.stdout.split('\0').filter((l) => l !== '')) {
        const tab = line.indexOf('\t');
        inIndex.add(line.slice(tab + 1));
        info += `${line}\0`;
      }
      // A path staged for deletion is in HEAD but not in the index: mode 0 removes it.
      for (const file of tracked.filter((f) => !inIndex.has(f))) info += `0 ${'0'.repeat(40)}\t${file}\0`;
      await runGit(['update-index', '-z', '--index-info'], { ...at, env: { GIT_INDEX_FILE: indexI }, stdin: info });
    }
    const treeI = (await runGit(['write-tree'], { ...at, env: { GIT_INDEX_FILE: indexI } })).stdout.trim();
    // W: I plus the working tree's content of the tracked paths (deletions included).
    const indexW = path.join(scratch, 'index-w');
    fs.copyFileSync(indexI, indexW);
    if (tracked.length > 0) await runGit(['add', '-A', '--', ...literal(tracked)], { ...at, env: { GIT_INDEX_FILE: indexW } });
    const treeW = (await runGit(['write-tree'], { ...at, env: { GIT_INDEX_FILE: indexW } })).stdout.trim();
    const subject = `mlx-factory: ${label}`;
    const i = await commitTree({ cwd: checkout, tree: treeI, parents: [head], message: `index on ${subject}`, env });
    const parents = [head, i];
    if (untracked.length > 0) {
      const indexU = path.join(scratch, 'index-u');
      await runGit(['add', '-f', '--', ...literal(untracked)], { ...at, env: { GIT_INDEX_FILE: indexU } });
      const treeU = (await runGit(['write-tree'], { ...at, env: { GIT_INDEX_FILE: indexU } })).stdout.trim();
      parents.push(await commitTree({ cwd: checkout, tree: treeU, parents: [], message: `untracked files on ${subject}`, env }));
    }
    const w = await commitTree({ cwd: checkout, tree: treeW, parents, message: `On ${subject}`, env });
    const ref = `${STASH_PREFIX}${await nextRefNumber(checkout, STASH_PREFIX)}`;
    return { ref, commit: w, base: head, tracked, untracked };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Keeps the built stash under its ref (which must not exist yet): from here on it is safe to clear. */
export async function keepStash(checkout: string, stash: UserStash): Promise<void> {
  await updateRef(checkout, { ref: stash.ref, newValue: stash.commit, expectedOld: null, reason: 'mlx-factory: stash before a merge' });
}

/**
 * Takes the stashed changes out of the checkout (after the ref holds them): tracked paths back to
 * HEAD in the index and the working tree, paths only added to the index dropped from it, untracked and
 * ignored files removed. `between` runs half-way through the tracked paths (a fault point: a crash
 * there leaves the checkout half cleared, which recovery must handle).
 */
export async function clearStashedPaths(checkout: string, stash: UserStash, between?: () => Promise<void>): Promise<void> {
  const at = { cwd: checkout };
  const inHead = new Set(
    stash.tracked.length === 0
      ? []
      : (await runGit(['ls-tree', '-r', '-z', '--name-only', stash.base, '--', ...literal(stash.tracked)], at)).stdout
          .split('\0')
          .filter((p) => p !== ''),
  );
  const fromHead = stash.tracked.filter((p) => inHead.has(p));
  const added = stash.tracked.filter((p) => !inHead.has(p));
  const half = Math.ceil(fromHead.length / 2);
  for (const [i, part] of [fromHead.slice(0, half), fromHead.slice(half)].entries()) {
    if (i === 1) await between?.();
    if (part.length > 0) await runGit(['checkout', '--no-overlay', stash.base, '--', ...literal(part)], at);
  }
  if (added.length > 0) {
    await runGit(['rm', '--cached', '-q', '-f', '--ignore-unmatch', '--', ...literal(added)], at);
    removeWorktreeFiles(checkout, added);
  }
  removeWorktreeFiles(checkout, stash.untracked);
}

/** The command that restores a kept stash by hand (and drops the ref only if that worked). */
export function restoreCommand(checkout: string, ref: string): string {
  const q = (s: string): string => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `git -C ${q(checkout)} stash apply ${ref} && git -C ${q(checkout)} update-ref -d ${ref}`;
}
