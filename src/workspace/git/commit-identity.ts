import { identityEnv } from './commit-files.js';
import { runGit } from './run-git.js';

/**
 * Who a merge or squash commit on the user's branch is by: the user's own git identity when one is
 * configured (the result is theirs), else the app's fixed identity, so a machine with none still works.
 */
export async function userIdentityEnv(cwd: string): Promise<Record<string, string>> {
  const ident = await runGit(['var', 'GIT_COMMITTER_IDENT'], { cwd, expectedExitCodes: [0, 128] });
  return ident.exitCode === 0 ? {} : identityEnv();
}
