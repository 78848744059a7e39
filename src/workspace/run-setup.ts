import type { SessionEventPayload } from '../api/events.js';
import { runSandboxed, type ExecResult } from '../sandbox/index.js';

/**
 * workspace.setup: the user's own command (e.g. `npm ci`) run once in a new worktree, before the first
 * attempt. It is the user's configuration, not model output, so it runs outside the sandbox (it usually
 * needs the network), but with the same scrubbed environment, process-group timeout and bounded output
 * as a check. Its output goes to the session log as it arrives.
 */
export const SETUP_TIMEOUT_MS = 15 * 60_000;

export interface SetupLog {
  append(payload: SessionEventPayload): unknown;
}

export async function runWorkspaceSetup(worktree: string, command: string, log: SetupLog, signal?: AbortSignal, timeoutMs = SETUP_TIMEOUT_MS): Promise<ExecResult> {
  log.append({ type: 'setup.started', command });
  const result = await runSandboxed({
    command,
    cwd: worktree,
    timeoutMs,
    sandbox: 'off',
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
