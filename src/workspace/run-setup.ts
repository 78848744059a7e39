import path from 'node:path';
import type { SessionEventPayload } from '../api/events.js';
import { runSandboxed, type ExecResult } from '../sandbox/index.js';

/**
 * workspace.setup: a command from trusted configuration (e.g. `npm ci`) run once in a new worktree,
 * before the first attempt. It installs what the repository asks for (package scripts are repository
 * content), so it runs in the sandbox like a check — scrubbed environment, no writes outside the
 * worktree, the `.git` pointer read-only, process-group timeout, bounded output — except that it has
 * the network, which installing usually needs. Its output goes to the session log as it arrives.
 */
const SETUP_TIMEOUT_MS = 15 * 60_000;

export interface SetupLog {
  append(payload: SessionEventPayload): unknown;
}

export async function runWorkspaceSetup(
  worktree: string,
  command: string,
  log: SetupLog,
  signal?: AbortSignal,
  timeoutMs = SETUP_TIMEOUT_MS,
  /** Writable besides the worktree: the package manager's shared cache (#22 installs). */
  writableDirs: string[] = [],
): Promise<ExecResult> {
  log.append({ type: 'setup.started', command });
  const result = await runSandboxed({
    command,
    cwd: worktree,
    timeoutMs,
    sandbox: 'auto',
    network: true,
    writableDirs,
    readOnlyPaths: [path.join(worktree, '.git')],
    ...(signal ? { signal } : {}),
    onOutput: (chunk, stream) => log.append({ type: 'setup.output', stream, chunk }),
  });
  log.append({
    type: 'setup.finished',
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    output: result.output,
    truncated: result.truncated,
  });
  return result;
}
