import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commitTree } from './commit-tree.js';
import { identityEnv } from './commit-files.js';
import { runGit } from './run-git.js';

/**
 * The base of an eval task mined from history: the commit's parent with the commit's test changes
 * applied (so the tests exist and fail, and the Coder must write the code). Built as objects only —
 * a private index file, `write-tree`, `commit-tree` — so the user's checkout, index and branches are
 * never touched; the commit is kept reachable by a ref under refs/factory/eval/.
 */
export async function evalBaseCommit(
  repoRoot: string,
  task: { readonly commit: string; readonly parent: string; readonly testFiles: readonly string[] },
): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-eval-index-'));
  const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
  try {
    await runGit(['read-tree', task.parent], { cwd: repoRoot, env });
    // Each test file as it is in the commit (added or changed), or removed when the commit deleted it.
    const listed = await runGit(['ls-tree', '-z', task.commit, '--', ...task.testFiles], { cwd: repoRoot });
    const present = new Map<string, [mode: string, sha: string]>();
    for (const entry of listed.stdout.split('\0').filter((e) => e !== '')) {
      const [meta = '', file = ''] = entry.split('\t');
      const [mode = '', , sha = ''] = meta.split(' ');
      present.set(file, [mode, sha]);
    }
    for (const file of task.testFiles) {
      const info = present.get(file);
      if (info !== undefined) await runGit(['update-index', '--add', '--cacheinfo', info[0], info[1], file], { cwd: repoRoot, env });
      else await runGit(['update-index', '--force-remove', '--', file], { cwd: repoRoot, env });
    }
    const tree = (await runGit(['write-tree'], { cwd: repoRoot, env })).stdout.trim();
    const base = await commitTree({
      cwd: repoRoot,
      tree,
      parents: [task.parent],
      message: `Eval base: the tests of ${task.commit.slice(0, 12)} on its parent`,
      env: identityEnv(),
    });
    await runGit(['update-ref', `refs/factory/eval/${task.commit}`, base], { cwd: repoRoot });
    return base;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
