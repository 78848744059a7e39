import { FactoryError } from '../../errors/factory-error.js';
import { credentialEnvironment } from './git-environment.js';
import { runGit } from './run-git.js';

/**
 * `git push` of one commit to one branch of a remote: the one host-side git call that gets the user's
 * credentials (DESIGN, Push and PR), because pushing is the user's own action. Still hardened like every
 * other call: hooks off (`core.hooksPath=/dev/null` from run-git.ts and `--no-verify`: a pre-push hook
 * would run code the session wrote, outside the sandbox), run against the repository's own gitdir (so no
 * config a session worktree holds is read), and never forced: a remote branch that has commits this one
 * does not is refused by git itself and reported as REMOTE_BRANCH_MOVED.
 *
 * Exit codes: 0 pushed (or already there); 1 rejected (`--porcelain` lines starting with `!`);
 * 128 could not reach or authenticate to the remote.
 */
export interface PushOptions {
  readonly commonDir: string;
  readonly remote: string;
  readonly commit: string;
  readonly branch: string;
}

export type PushOutcome = 'pushed' | 'up-to-date';

export async function pushBranch(options: PushOptions): Promise<PushOutcome> {
  const destination = `refs/heads/${options.branch}`;
  const result = await runGit(
    ['--git-dir', options.commonDir, 'push', '--porcelain', '--no-verify', options.remote, `${options.commit}:${destination}`],
    { cwd: options.commonDir, env: credentialEnvironment(), expectedExitCodes: [0, 1, 128] },
  );
  const lines = result.stdout.split('\n').filter((line) => line.includes(`:${destination}`));
  if (result.exitCode === 0) return lines.some((line) => line.startsWith('=')) ? 'up-to-date' : 'pushed';
  const rejected = lines.find((line) => line.startsWith('!'));
  if (rejected !== undefined) {
    const reason = rejected.split('\t')[2] ?? rejected;
    throw new FactoryError(
      'REMOTE_BRANCH_MOVED',
      `${options.remote} refused the push of ${options.branch}: ${reason.trim()}. The branch there has commits this session does not have (someone pushed to it, or the session was rolled back since the last push). Nothing was forced and nothing changed; fetch and look at ${options.remote}/${options.branch}, or push under another name by hand.`,
      { remote: options.remote, branch: options.branch },
    );
  }
  throw new FactoryError(
    'PUSH_FAILED',
    `git push to ${options.remote} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}. It runs with your credential helpers, SSH agent and GIT_ASKPASS but never prompts in a terminal; \`git push ${options.remote}\` by hand shows whether your credentials work.`,
    { remote: options.remote, exitCode: result.exitCode },
  );
}
