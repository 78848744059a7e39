import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs the real CLI (`bin/mlx-factory.js`) as a child process, as a user would. */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mlx-factory.js');

export interface CliRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface CliOptions {
  readonly cwd: string;
  readonly home: string;
  readonly env?: Record<string, string>;
  /** Variables removed from the child's environment (an empty value is not the same as none). */
  readonly unset?: readonly string[];
  /** Called with the child as soon as it is spawned (e.g. to send SIGINT later). */
  readonly onSpawn?: (pid: number) => void;
  readonly onStdout?: (text: string) => void;
}

export function runCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, MLX_FACTORY_HOME: options.home, ...options.env };
    for (const name of options.unset ?? []) delete env[name];
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      options.onStdout?.(t);
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr, durationMs: performance.now() - started }));
  });
}

/** The JSON lines of a `--json` run. */
export function jsonLines(stdout: string): Array<Record<string, unknown> & { type: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });
}

export function summaryOf(stdout: string): Record<string, unknown> & { status: string } {
  const summary = jsonLines(stdout).find((e) => e.type === 'summary');
  if (!summary || typeof summary['status'] !== 'string') throw new Error(`no summary line in:\n${stdout.slice(-2000)}`);
  return { ...summary, status: summary['status'] };
}
