import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';
import { identityEnv, NO_HOOKS_NO_SIGNING } from '../workspace/git/commit-files.js';
import { runGit } from '../workspace/git/run-git.js';

/**
 * "Start a new repository here" for a dropped folder that is not one (or has no commits yet):
 * `git init` if needed and a first commit of what the folder holds (its .gitignore respected), so
 * a session has a base to start from. Never touches a folder that already has commits.
 */
export async function initRepo(dir: string): Promise<void> {
  const target = path.resolve(dir);
  if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) throw new FactoryError('REPO_NOT_FOUND', `${target} is not a folder.`);
  const inside = await runGit(['rev-parse', '--is-inside-work-tree', '--show-toplevel'], { cwd: target, expectedExitCodes: [0, 128] });
  if (inside.exitCode === 0) {
    const top = inside.stdout.trim().split('\n')[1] ?? '';
    if (fs.realpathSync(top) !== fs.realpathSync(target)) {
      throw new FactoryError('BAD_USAGE', `${target} is inside the repository ${top}; use that repository instead.`);
    }
    const head = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: target, expectedExitCodes: [0, 1, 128] });
    if (head.exitCode === 0) throw new FactoryError('BAD_USAGE', `${target} already is a repository with commits.`);
  } else {
    await runGit(['init', '--quiet', '--initial-branch=main'], { cwd: target });
  }
  await runGit(['add', '--all'], { cwd: target });
  // The user's first commit, made on their behalf: their own identity if git has one, ours otherwise.
  const identity = await runGit(['var', 'GIT_COMMITTER_IDENT'], { cwd: target, expectedExitCodes: [0, 128] });
  await runGit([...NO_HOOKS_NO_SIGNING, 'commit', '--quiet', '--allow-empty', '-m', 'Initial commit'], {
    cwd: target,
    env: identity.exitCode === 0 ? {} : identityEnv(),
  });
}
