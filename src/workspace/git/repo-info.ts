import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../../errors/factory-error.js';
import { runGit } from './run-git.js';

/** What we need to know about the user's repository before a session starts. */
export interface RepoInfo {
  /** The top level of the user's working tree (realpath). */
  readonly root: string;
  /** The shared .git directory (for isomorphic-git object reads and refs). */
  readonly commonDir: string;
  readonly headCommit: string;
  /** The branch checked out, or null for a detached HEAD. */
  readonly branch: string | null;
}

/**
 * Checks that `dir` is a usable repository and says precisely what is wrong when it is not: missing,
 * a file, not a repo, bare, or without a first commit.
 */
export async function inspectRepo(dir: string): Promise<RepoInfo> {
  const resolved = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new FactoryError('REPO_NOT_FOUND', `${resolved} does not exist. Pass --repo with the folder of an existing git repository.`);
  }
  if (!stat.isDirectory()) {
    throw new FactoryError('REPO_IS_FILE', `${resolved} is a file, not a folder. Pass --repo with the folder of a git repository.`);
  }
  const probe = await runGit(['rev-parse', '--is-bare-repository', '--is-inside-work-tree'], {
    cwd: resolved,
    expectedExitCodes: [0, 128],
  });
  if (probe.exitCode !== 0) {
    throw new FactoryError(
      'REPO_NOT_GIT',
      `${resolved} is not a git repository. Run \`git init\` there and make a first commit, or pass another folder.`,
    );
  }
  const [bare, inside] = probe.stdout.trim().split('\n');
  if (bare === 'true' || inside !== 'true') {
    throw new FactoryError(
      'REPO_BARE',
      `${resolved} is a bare repository (it has no working tree). Pass a clone with a working tree instead.`,
    );
  }
  const head = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: resolved, expectedExitCodes: [0, 1, 128] });
  if (head.exitCode !== 0) {
    throw new FactoryError(
      'REPO_NO_COMMITS',
      `${resolved} has no commits yet, so a session has nothing to start from. Make a first commit, e.g. \`git add -A && git commit -m "Initial commit"\`, then run again.`,
    );
  }
  const top = await runGit(['rev-parse', '--show-toplevel', '--git-common-dir'], { cwd: resolved });
  const [root = resolved, commonDir = '.git'] = top.stdout.trim().split('\n');
  const branch = await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: resolved, expectedExitCodes: [0, 1] });
  return {
    root: fs.realpathSync(root),
    commonDir: fs.realpathSync(path.resolve(resolved, commonDir)),
    headCommit: head.stdout.trim(),
    branch: branch.exitCode === 0 ? branch.stdout.trim() : null,
  };
}

/** Whether `dir` sits inside a git working tree at all (used to pick the default --repo). */
export async function isInsideWorkTree(dir: string): Promise<boolean> {
  const probe = await runGit(['rev-parse', '--is-inside-work-tree'], { cwd: dir, expectedExitCodes: [0, 128] });
  return probe.exitCode === 0 && probe.stdout.trim() === 'true';
}
