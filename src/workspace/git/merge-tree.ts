import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atLeast, gitVersion } from './git-version.js';
import { runGit } from './run-git.js';

/**
 * `git merge-tree --write-tree` (git ≥ 2.38): a real three-way merge done entirely in the object
 * database. Nothing in any working tree or index is touched, so it is safe both to predict a merge and
 * to build one. Exit 0 = clean, 1 = conflicts; the result tree is written either way.
 */
export interface MergeConflict {
  readonly path: string;
  /** git's short conflict types for this path, e.g. "CONFLICT (contents)", "CONFLICT (modify/delete)". */
  readonly kinds: readonly string[];
}

export interface MergeTreeResult {
  readonly clean: boolean;
  /** The merged tree (with conflict markers where it is not clean). */
  readonly tree: string;
  readonly conflicts: readonly MergeConflict[];
  /** git's messages, one per line ("Auto-merging f", "CONFLICT (content): Merge conflict in f"). */
  readonly messages: readonly string[];
}

export interface MergeTreeOptions {
  /** Merge from this base instead of git's merge base (a session merged before: see predict-merge.ts). */
  readonly mergeBase?: string;
  /** How to pass mergeBase; default: the option where git has it (tests pin each path). */
  readonly mergeBaseVia?: 'option' | 'graft';
  /**
   * Write conflicted files with the base's lines between the sides (`merge.conflictStyle=diff3`): the
   * conflict view shows both sides and the common base of each hunk from the very merge git would do.
   */
  readonly withBase?: boolean;
}

export async function mergeTree(cwd: string, ours: string, theirs: string, options: MergeTreeOptions = {}): Promise<MergeTreeResult> {
  const args = ['merge-tree', '--write-tree', '-z', '--name-only'];
  const style = options.withBase === true ? ['-c', 'merge.conflictStyle=diff3'] : [];
  const run = (extra: readonly string[], env?: Record<string, string>) =>
    runGit([...style, ...args, ...extra, ours, theirs], { cwd, expectedExitCodes: [0, 1], ...(env ? { env } : {}) });
  let result;
  if (options.mergeBase === undefined) result = await run([]);
  else if ((options.mergeBaseVia ?? ((await gitHasMergeBaseOption()) ? 'option' : 'graft')) === 'option')
    result = await run([`--merge-base=${options.mergeBase}`]);
  else result = await withGraft(ours, options.mergeBase, (env) => run([], env));
  return parseMergeTreeOutput(result.stdout, result.exitCode === 0);
}

/** `git merge-tree --merge-base` arrived in git 2.40. */
export async function gitHasMergeBaseOption(): Promise<boolean> {
  return atLeast(await gitVersion(), 2, 40);
}

/**
 * git < 2.40 has no `--merge-base`. A graft (a one-line file named by GIT_GRAFT_FILE, read by this
 * one command) gives `ours` the base as its only parent, so git's own merge-base computation picks it
 * — the same merge as a commit with ours's tree on top of the base, without a spawn to write one.
 * (Grafts are deprecated in favour of replace refs, which would be writes; this path only runs on the
 * old gits that still read them.)
 */
async function withGraft<T>(commit: string, base: string, work: (env: Record<string, string>) => Promise<T>): Promise<T> {
  // Synchronous and in one file: a temp folder and async writes cost more than the merge itself.
  // 'wx' creates it or fails — never writes through something already at that path.
  const file = path.join(os.tmpdir(), `mlxf-graft-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  fs.writeFileSync(file, `${commit} ${base}\n`, { flag: 'wx', mode: 0o600 });
  try {
    return await work({ GIT_GRAFT_FILE: file });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * The -z --name-only layout: `<tree>\0`, then one `<path>\0` per conflicted path, then `\0`, then
 * messages as `<count>\0<path>\0…<type>\0<message>\0`. A clean merge prints only the tree.
 */
export function parseMergeTreeOutput(stdout: string, clean: boolean): MergeTreeResult {
  const fields = stdout.split('\0');
  const tree = fields[0]?.trim() ?? '';
  if (!/^[0-9a-f]{40,64}$/.test(tree)) throw new Error(`unexpected git merge-tree output: ${stdout.slice(0, 200)}`);
  const paths: string[] = [];
  let i = 1;
  for (; i < fields.length; i += 1) {
    const field = fields[i] ?? '';
    if (field === '') {
      i += 1;
      break;
    }
    paths.push(field);
  }
  const kinds = new Map<string, string[]>(paths.map((p) => [p, []]));
  const messages: string[] = [];
  while (i < fields.length && fields[i] !== '') {
    const count = Number(fields[i]);
    if (!Number.isInteger(count) || count < 0) break;
    const messagePaths = fields.slice(i + 1, i + 1 + count);
    const type = fields[i + 1 + count] ?? '';
    const message = fields[i + 2 + count] ?? '';
    messages.push(message.trimEnd());
    if (type.startsWith('CONFLICT')) {
      for (const p of messagePaths) {
        const list = kinds.get(p);
        if (list && !list.includes(type)) list.push(type);
      }
    }
    i += count + 3;
  }
  return { clean: clean && paths.length === 0, tree, conflicts: paths.map((path) => ({ path, kinds: kinds.get(path) ?? [] })), messages };
}
