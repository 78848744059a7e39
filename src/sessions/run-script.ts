import fs from 'node:fs';
import path from 'node:path';
import type { SessionEventPayload } from '../api/events.js';
import { loadConfig } from '../config/load-config.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { detectSandbox, runSandboxed, type ExecResult } from '../sandbox/index.js';
import type { OutputStream } from '../sandbox/output-capture.js';
import { killProcessGroup } from '../sandbox/process-tree.js';
import { rememberedRunCommand, trustFileBeside } from '../config/project-trust.js';
import { chooseRunRange, firstFreePort, type PortRange } from './run-ports.js';
import { loadSession } from './session-store.js';

/**
 * A session's run script (#21, DESIGN "Run scripts"): `workspace.run` (e.g. `npm run dev`) started by
 * the user in the session's worktree so they can try what the session built before taking it. It is
 * an explicit action of the user's, so — like a trusted workspace.setup — it runs in the sandbox *with*
 * the network (a dev server must be reachable, and may fetch); otherwise it is sandboxed like a check:
 * scrubbed environment, no writes outside the worktree and its temp dir, the `.git` pointer read-only,
 * one process group (and, on Linux, a cgroup) so that Stop ends the whole tree. It has no timeout: it
 * runs until Stop, the session's merge or discard, or the end of the process that started it (whose
 * death the sandbox's watchdog and PID namespace turn into the tree's).
 *
 * `PORT` is a free port of the session's own range (run-ports.ts), recorded with the run in the log.
 * The output is passed on live and not logged: a dev server prints for as long as it runs.
 */
export type RunStopReason = 'stop' | 'exited' | 'merged' | 'discarded' | 'quit';

interface RunLog {
  append(payload: SessionEventPayload): unknown;
}

export interface RunEnd {
  readonly reason: RunStopReason;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  /** Nothing of the tree is left. */
  readonly treeGone: boolean;
}

export interface RunningScript {
  readonly id: string;
  readonly command: string;
  readonly port: number;
  readonly range: PortRange;
  readonly pgid: number;
  readonly sandbox: string;
  /** Settles when the run has ended and `run.stopped` is logged. */
  readonly ended: Promise<RunEnd>;
  /** Ends the whole tree (SIGTERM, then SIGKILL after a grace); resolves as `ended` does. */
  stop(reason: RunStopReason): Promise<RunEnd>;
}

export interface StartRunOptions {
  /** Where run.started / run.stopped go: the session's open log when its loop runs in this process. */
  readonly log: RunLog;
  /** Ranges other sessions hold (their recorded runs): the session's own range avoids them. */
  readonly takenRanges: readonly PortRange[];
  readonly onOutput?: (chunk: string, stream: OutputStream) => void;
  /** Live output passed on before it stops (the run goes on). Default 8 MiB. */
  readonly maxLiveOutputBytes?: number;
}

const DEFAULT_MAX_LIVE_OUTPUT_BYTES = 8 * 1024 * 1024;
/** No timeout: setTimeout's longest delay (about 24.8 days) stands for "until stopped". */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The run command for a session's repository: the user's per-repository setting, else the effective
 * workspace.run (the home factory.yaml, a trusted project file; an untrusted one's is ignored). Null with
 * the reason when there is none.
 */
export function runCommandFor(
  paths: AppPaths,
  repo: string,
): { command: string | null; notice: string | null; source: 'repository' | 'config' | null } {
  const remembered = rememberedRunCommand(trustFileBeside(paths.userConfig), repo);
  if (remembered !== null) return { command: remembered, notice: null, source: 'repository' };
  const loaded = loadConfig({ repoDir: repo, userConfigFile: paths.userConfig });
  const ignored = loaded.ignoredKeys.includes('workspace.run');
  return {
    command: loaded.config.workspace.run,
    source: loaded.config.workspace.run === null ? null : 'config',
    notice: ignored
      ? `${loaded.untrustedProjectFile ?? 'The project’s factory.yaml'} sets workspace.run, but it is not trusted: trust it (\`mlx-factory trust ${repo}\`) or set the command in Settings.`
      : null,
  };
}

/** Starts the session's run script; answers once it runs (its pgid and port are logged). */
export async function startRunScript(paths: AppPaths, id: string, options: StartRunOptions): Promise<RunningScript> {
  const record = loadSession(paths, id);
  if (record.run?.state === 'running')
    throw new FactoryError(
      'RUN_ALREADY_RUNNING',
      `Session ${id} already runs its app on port ${record.run.port} (pid ${record.run.pid}); stop it first.`,
    );
  if (record.discard !== null) throw new FactoryError('RUN_UNAVAILABLE', `Session ${id} was discarded: there is nothing to run.`);
  // The loop writes the worktree host-side (the Coder's edits, git): a hostile app beside it could
  // redirect those writes through a swapped link. Run waits for the loop, here or in another process.
  if (record.state === 'running')
    throw new FactoryError(
      'SESSION_RUNNING',
      `Session ${id} is running${record.pid !== null ? ` (pid ${record.pid})` : ''}: run its app when it has finished (or cancel it).`,
    );
  const worktree = fs.lstatSync(record.worktree, { throwIfNoEntry: false });
  if (worktree === undefined || !worktree.isDirectory())
    throw new FactoryError(
      'RUN_UNAVAILABLE',
      record.cleanedUp
        ? `Session ${id} was merged and its worktree removed: run the app from your checkout.`
        : `Session ${id}'s worktree ${record.worktree} is gone.`,
    );
  const { command, notice } = runCommandFor(paths, record.repo);
  if (command === null)
    throw new FactoryError(
      'RUN_NOT_CONFIGURED',
      notice ??
        'No run script is set for this repository: set workspace.run (e.g. `npm run dev`) in Settings or in your factory.yaml; it gets PORT.',
    );
  const range = chooseRunRange(id, record.run?.range ?? null, options.takenRanges);
  const port = await firstFreePort(range);
  if (port === null)
    throw new FactoryError(
      'RUN_NO_PORT',
      `Every port of session ${id}'s range (${range.first}–${range.last}) is in use; stop what holds them.`,
    );

  const abort = new AbortController();
  let reason: RunStopReason = 'exited';
  let resolveStarted!: (pgid: number) => void;
  const started = new Promise<number>((resolve) => (resolveStarted = resolve));
  const startedAt = Date.now();
  const result: Promise<ExecResult> = runSandboxed({
    command,
    cwd: record.worktree,
    timeoutMs: NO_TIMEOUT_MS,
    sandbox: record.plan.sandbox,
    network: true,
    env: { PORT: String(port) },
    readOnlyPaths: [path.join(record.worktree, '.git')],
    signal: abort.signal,
    maxLiveOutputBytes: options.maxLiveOutputBytes ?? DEFAULT_MAX_LIVE_OUTPUT_BYTES,
    // The kept head + tail is not used (the output went out live): keep it small.
    maxOutputBytes: 16 * 1024,
    onStart: (pgid) => resolveStarted(pgid),
    ...(options.onOutput !== undefined ? { onOutput: options.onOutput } : {}),
  });
  // A launch that fails (no sandbox where one is required) rejects before it starts.
  const pgid = await Promise.race([started, result.then(() => null)]);
  if (pgid === null) {
    const early = await result;
    throw new FactoryError('RUN_UNAVAILABLE', `The run script did not start: ${early.output.trim() || 'no process was started'}.`);
  }
  // The same (cached) detection runSandboxed made for this launch.
  const sandbox = (await detectSandbox()).kind;
  options.log.append({ type: 'run.started', command, port, range, pgid, pid: process.pid, sandbox });

  const ended: Promise<RunEnd> = result.then(async (exec) => {
    // runSandboxed has already killed what was left of the group; check that nothing survived.
    const treeGone = await killProcessGroup(pgid, { graceMs: 0 }).catch(() => false);
    const end: RunEnd = {
      reason,
      exitCode: exec.exitCode,
      signal: exec.signal,
      durationMs: Date.now() - startedAt,
      treeGone,
    };
    try {
      options.log.append({ type: 'run.stopped', ...end });
    } catch {
      // A log that cannot be written (a full disk) must not keep the run looking alive here.
    }
    return end;
  });
  return {
    id,
    command,
    port,
    range,
    pgid,
    sandbox,
    ended,
    stop: (why) => {
      if (!abort.signal.aborted) {
        reason = why;
        abort.abort();
      }
      return ended;
    },
  };
}
