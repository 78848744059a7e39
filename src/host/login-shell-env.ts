import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';

/**
 * The user's login-shell environment, for an app started from Finder, the Dock or at login: macOS
 * gives those launchd's bare PATH (/usr/bin:/bin:/usr/sbin:/sbin), so checks would get Apple's
 * python3 without the user's packages and no Homebrew, npm or pytest. Like VS Code, the shell is
 * asked once at start, under a timeout; when it fails, the usual tool folders are added to PATH
 * instead. A login shell (~/.zshenv and ~/.zprofile are read), not an interactive one: `-i` runs
 * ~/.zshrc's prompt and plugin set-up, which can touch folders macOS guards (Desktop, Documents,
 * Downloads) and so raise file-access prompts at every launch; tool folders belong in ~/.zprofile
 * (Homebrew's installer puts them there). The main process does not wait for this before the tray
 * icon appears. On Linux a desktop session already starts apps with the login environment, so the
 * inherited one is kept.
 */
export interface ShellEnvironment {
  readonly env: Record<string, string>;
  /** login-shell: asked the shell; fallback: the shell failed, usual folders added; inherited: kept as is. */
  readonly source: 'login-shell' | 'fallback' | 'inherited';
  readonly shell: string | null;
  readonly durationMs: number;
  /** Why the shell's answer was not used (for the log). */
  readonly problem?: string;
}

export interface ShellEnvOptions {
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  /** Default: $SHELL, else /bin/zsh (macOS) or /bin/sh. */
  readonly shell?: string;
  readonly timeoutMs?: number;
  readonly home?: string;
}

const SHELL_ENV_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Set by the shell session itself or meaningless outside it; never copied into the app. */
const SHELL_ONLY = new Set([
  'PWD',
  'OLDPWD',
  'SHLVL',
  '_',
  'ELECTRON_RUN_AS_NODE',
  'ELECTRON_NO_ATTACH_CONSOLE',
  'MLXF_RESOLVING_SHELL_ENV',
]);

/** The shell's command line: print a marker, the environment NUL-separated, the marker again. */
function shellEnvCommand(shell: string, mark: string): string[] {
  // `env -0` separates variables with NUL (values may hold newlines); an `env` without -0 prints lines.
  const script = `printf '%s' '${mark}'; command env -0 2>/dev/null || command env; printf '%s' '${mark}'`;
  const name = path.basename(shell);
  // csh and tcsh refuse -l together with -c; they read ~/.cshrc even when not interactive.
  if (name === 'csh' || name === 'tcsh') return ['-c', script];
  return ['-l', '-c', script];
}

/** The variables between the two markers (rc files may print anything around them); null if none. */
export function parseShellEnvOutput(stdout: string, mark: string): Record<string, string> | null {
  const start = stdout.indexOf(mark);
  const end = stdout.lastIndexOf(mark);
  if (start < 0 || end <= start) return null;
  const env: Record<string, string> = {};
  const body = stdout.slice(start + mark.length, end);
  for (const entry of body.split(body.includes('\0') ? '\0' : '\n')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || SHELL_ONLY.has(name)) continue;
    env[name] = entry.slice(eq + 1);
  }
  return env['PATH'] === undefined ? null : env;
}

/** macOS without an answer from the shell: Homebrew's and the user's own bin folders before launchd's PATH. */
export function fallbackEnvironment(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): Record<string, string> {
  const copy = definedOnly(env);
  if (platform !== 'darwin') return copy;
  const current = (copy['PATH'] ?? '/usr/bin:/bin:/usr/sbin:/sbin').split(':').filter((dir) => dir !== '');
  const usual = ['/opt/homebrew/bin', '/opt/homebrew/sbin', '/usr/local/bin', path.join(home, '.local', 'bin')];
  copy['PATH'] = [...usual.filter((dir) => !current.includes(dir)), ...current].join(':');
  return copy;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Asks the login shell (macOS), or keeps the inherited environment (elsewhere). Never rejects. */
export async function resolveLoginShellEnv(options: ShellEnvOptions = {}): Promise<ShellEnvironment> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const home = options.home ?? env['HOME'] ?? '/';
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  if (platform !== 'darwin') return { env: definedOnly(env), source: 'inherited', shell: null, durationMs: 0 };
  const shell = options.shell ?? env['SHELL'] ?? '/bin/zsh';
  const fallback = (problem: string): ShellEnvironment => ({
    env: fallbackEnvironment(env, platform, home),
    source: 'fallback',
    shell,
    durationMs: elapsed(),
    problem,
  });
  if (!path.isAbsolute(shell)) return fallback(`SHELL is not an absolute path (${shell})`);
  const mark = crypto.randomBytes(8).toString('hex');
  const answer = await runShell(
    shell,
    shellEnvCommand(shell, mark),
    { ...env, MLXF_RESOLVING_SHELL_ENV: '1' },
    options.timeoutMs ?? SHELL_ENV_TIMEOUT_MS,
  );
  if (answer.problem !== undefined) return fallback(answer.problem);
  const resolved = parseShellEnvOutput(answer.stdout, mark);
  if (resolved === null)
    return fallback(`${shell} printed no environment${answer.stderr === '' ? '' : `: ${answer.stderr.trim().split('\n').at(-1) ?? ''}`}`);
  // The shell's variables win; what only the app's own environment has is kept.
  return { env: { ...definedOnly(env), ...resolved }, source: 'login-shell', shell, durationMs: elapsed() };
}

/** Runs the shell in its own process group, so a timeout ends whatever its rc files started too. */
function runShell(
  shell: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; problem?: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (problem?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(problem === undefined ? { stdout, stderr } : { stdout, stderr, problem });
    };
    const child = spawn(shell, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      finish(`${shell} did not answer within ${timeoutMs} ms`);
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > MAX_OUTPUT_BYTES) {
        killGroup();
        finish(`${shell} printed more than ${MAX_OUTPUT_BYTES} bytes`);
      }
    });
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.on('error', (error) => finish(`${shell} could not start: ${error.message}`));
    // The output is complete once the pipes close; something an rc file left in the background may
    // hold them open, so shortly after the shell exits its group is ended and what arrived is used.
    child.on('exit', () => {
      setTimeout(() => {
        killGroup();
        finish();
      }, 250).unref();
    });
    child.on('close', () => finish());
  });
}
