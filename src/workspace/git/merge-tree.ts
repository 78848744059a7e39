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

export async function mergeTree(cwd: string, ours: string, theirs: string): Promise<MergeTreeResult> {
  const result = await runGit(['merge-tree', '--write-tree', '-z', '--name-only', ours, theirs], { cwd, expectedExitCodes: [0, 1] });
  return parseMergeTreeOutput(result.stdout, result.exitCode === 0);
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
