import { spawn } from 'node:child_process';
import { FactoryError } from '../../errors/factory-error.js';

/**
 * The one place that spawns git (as GitHub Desktop's lib/git/core does): each caller names the exit
 * codes it expects; anything else becomes a typed GIT_FAILED error carrying the command and stderr.
 */
export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface GitOptions {
  readonly cwd: string;
  readonly expectedExitCodes?: readonly number[];
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
}

/** Never prompt, never page, English messages we can match on, no locks taken by read commands. */
const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  LC_ALL: 'C',
  GCM_INTERACTIVE: 'never',
};

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
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...process.env, ...GIT_ENV, ...options.env },
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
          new FactoryError('GIT_FAILED', `git ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.toString('utf8').trim()}`, {
            args: [...args],
            exitCode: result.exitCode,
            stderr: result.stderr,
          }),
        );
      }
    });
    // git may exit before reading its input (e.g. on an error); that is reported through its exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
