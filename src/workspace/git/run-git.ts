import { spawn } from 'node:child_process';
import { FactoryError } from '../../errors/factory-error.js';
import { gitEnvironment } from './git-environment.js';

/**
 * The one place that spawns git (as GitHub Desktop's lib/git/core does): each caller names the exit
 * codes it expects; anything else becomes a typed GIT_FAILED error carrying the command and stderr.
 *
 * Every call is hardened the same way, because the folders we run git in hold hostile content (what a
 * check left in a session worktree): no hooks, no fsmonitor, no system config, a scrubbed environment
 * (see git-environment.ts). A session worktree is never found through its `.git` file: callers pass
 * the gitdir recorded when the worktree was made (see worktree-git.ts), so a rewritten pointer file
 * cannot send our commands into another repository.
 */
export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface GitOptions {
  readonly cwd: string;
  /** Explicit repository: `--git-dir`. Required for anything run on a session worktree. */
  readonly gitDir?: string;
  /** Explicit working tree: `--work-tree` (only with gitDir). */
  readonly workTree?: string;
  readonly expectedExitCodes?: readonly number[];
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
}

/**
 * `core.hooksPath=/dev/null`: nothing can ever be created under it, so no hook (the user's, or one a
 * check planted) runs from our commands. fsmonitor would run a program on every status/diff/add.
 */
const HARDENING = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false'] as const;

export function gitCommandLine(args: readonly string[], options: Pick<GitOptions, 'gitDir' | 'workTree'>): string[] {
  const place: string[] = [];
  if (options.gitDir !== undefined) place.push(`--git-dir=${options.gitDir}`);
  if (options.workTree !== undefined) place.push(`--work-tree=${options.workTree}`);
  return [...HARDENING, ...place, ...args];
}

export function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return runGitBytes(args, options).then((result) => ({ ...result, stdout: result.stdout.toString('utf8') }));
}

/** runGit with stdout kept as bytes: blob contents (binary files) must not go through a UTF-8 decode. */
export interface GitBytesResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

export function runGitBytes(args: readonly string[], options: GitOptions): Promise<GitBytesResult> {
  const expected = options.expectedExitCodes ?? [0];
  const commandLine = gitCommandLine(args, options);
  return new Promise((resolve, reject) => {
    const child = spawn('git', commandLine, {
      cwd: options.cwd,
      env: gitEnvironment(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (error) =>
      reject(new FactoryError('GIT_FAILED', `Could not run git (${error.message}). Install git and make sure it is on PATH.`)),
    );
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? -1 };
      if (expected.includes(result.exitCode)) resolve(result);
      else {
        reject(
          new FactoryError(
            'GIT_FAILED',
            `git ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.toString('utf8').trim()}`,
            {
              args: [...args],
              exitCode: result.exitCode,
              stderr: result.stderr,
            },
          ),
        );
      }
    });
    // git may exit before reading its input (e.g. on an error); that is reported through its exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
