/**
 * Runs one shell command (a check, a generated program) in a worktree: scrubbed environment,
 * OS sandbox when there is one, private TMPDIR, timeout and cancellation that kill the whole
 * process tree, output bounded to head + tail. Resolves only once no process of the run is left.
 */
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { FactoryError } from '../errors/factory-error.js';
import { buildBwrapArgs } from './bwrap-args.js';
import { OutputCapture, type OutputStream } from './output-capture.js';
import { killProcessGroup, spawnInNewGroup } from './process-tree.js';
import { detectSandbox, type SandboxKind } from './sandbox-detect.js';
import { buildSandboxExecArgs, MACOS_PROFILE_PATH } from './sandbox-exec-args.js';
import { scrubEnvironment } from './scrub-env.js';
import { findSecretPaths, type SecretPath } from './secret-paths.js';

export interface ExecRequest {
  /** Run via /bin/sh -c. */
  command: string;
  /** The worktree; must exist. */
  cwd: string;
  timeoutMs: number;
  /** Bytes of combined output kept, half head and half tail. Default 128 KiB. */
  maxOutputBytes?: number;
  /** Extra variables; credentials among them are still removed. */
  env?: Record<string, string>;
  /** Cancel: kills the tree; the result has `cancelled: true`. */
  signal?: AbortSignal;
  /** Live output for the UI or a terminal, decoded (UTF-8, lenient) per stream. */
  onOutput?: (chunk: string, stream: OutputStream) => void;
  /** 'auto' (default): sandbox if available, else run with a warning; 'required': reject if none. */
  sandbox?: 'auto' | 'required' | 'off';
  /** Writable besides cwd and the private temp dir. Must exist. */
  writableDirs?: string[];
}

export interface ExecResult {
  /**
   * Under bubblewrap a command killed by a signal from inside reports exitCode 128 + n (bwrap's
   * convention, like a shell's `$?`); on timeout or cancel bwrap itself is signalled, so
   * `signal` is set as without a sandbox.
   */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  /** Combined stdout + stderr in arrival order, head + tail rendered. */
  output: string;
  stdoutTail: string;
  stderrTail: string;
  totalBytes: number;
  truncated: boolean;
  durationMs: number;
  sandbox: { kind: SandboxKind; warning?: string };
  /** The run's process group id (= the leader's pid), for logs; null if nothing was started. */
  pgid: number | null;
}

/** `sandbox: 'required'` and this machine has none. A FactoryError, so the CLI and UI map it by code. */
export class SandboxUnavailableError extends FactoryError {
  declare readonly code: 'SANDBOX_UNAVAILABLE';

  constructor(message: string) {
    super('SANDBOX_UNAVAILABLE', message);
    this.name = 'SandboxUnavailableError';
  }
}

const KILL_GRACE_MS = 500;
/** After the group is gone, how long pipes may stay open (held by a process that left the group). */
const PIPE_CLOSE_GRACE_MS = 2000;
/** setTimeout fires at once for delays above 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Launch {
  file: string;
  args: string[];
}

interface LaunchContext {
  command: string;
  cwd: string;
  tmpDir: string;
  writableDirs: string[];
}

async function existingDirectory(path: string, what: string): Promise<string> {
  const resolved = await realpath(path).catch(() => {
    throw new Error(`${what} does not exist: ${path}`);
  });
  if (!(await stat(resolved)).isDirectory()) throw new Error(`${what} is not a directory: ${path}`);
  return resolved;
}

async function resolvedHome(): Promise<string | undefined> {
  try {
    return await realpath(homedir());
  } catch {
    return undefined; // no home directory: nothing under it to hide
  }
}

async function secretsToHide(): Promise<SecretPath[]> {
  const home = await resolvedHome();
  return findSecretPaths(home ?? '');
}

async function buildLaunch(kind: SandboxKind, executable: string | undefined, ctx: LaunchContext): Promise<Launch> {
  if (kind === 'bwrap' && executable !== undefined) {
    const hidden = await secretsToHide();
    return { file: executable, args: buildBwrapArgs({ ...ctx, worktree: ctx.cwd, hidden }) };
  }
  if (kind === 'sandbox-exec' && executable !== undefined) {
    const profileText = ctx.writableDirs.length > 0 ? await readFile(MACOS_PROFILE_PATH, 'utf8') : undefined;
    const args = buildSandboxExecArgs({
      command: ctx.command,
      worktree: ctx.cwd,
      tmpDir: ctx.tmpDir,
      home: (await resolvedHome()) ?? '/var/empty',
      writableDirs: ctx.writableDirs,
      profilePath: MACOS_PROFILE_PATH,
      profileText,
    });
    return { file: executable, args };
  }
  return { file: '/bin/sh', args: ['-c', ctx.command] };
}

function emptyResult(sandbox: ExecResult['sandbox'], cancelled: boolean): ExecResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled,
    output: '',
    stdoutTail: '',
    stderrTail: '',
    totalBytes: 0,
    truncated: false,
    durationMs: 0,
    sandbox,
    pgid: null,
  };
}

export async function runSandboxed(req: ExecRequest): Promise<ExecResult> {
  if (!(req.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${req.timeoutMs}`);
  const cwd = await existingDirectory(req.cwd, 'cwd');
  const writableDirs = await Promise.all((req.writableDirs ?? []).map((dir) => existingDirectory(dir, 'writable dir')));

  const mode = req.sandbox ?? 'auto';
  const availability =
    mode === 'off'
      ? { kind: 'none' as const, executable: undefined, warning: 'Sandbox turned off for this run: no network or file-system isolation.' }
      : await detectSandbox();
  if (mode === 'required' && availability.kind === 'none') {
    throw new SandboxUnavailableError(availability.warning ?? 'No sandbox is available on this machine.');
  }
  const sandbox: ExecResult['sandbox'] =
    availability.warning === undefined ? { kind: availability.kind } : { kind: availability.kind, warning: availability.warning };
  if (req.signal?.aborted) return emptyResult(sandbox, true);

  // realpath: on macOS os.tmpdir() is under /var, a symlink the Seatbelt rules would not match.
  const tmpDir = await realpath(await mkdtemp(join(tmpdir(), 'mlx-factory-run-')));
  try {
    const env = scrubEnvironment(process.env, { ...req.env, TMPDIR: tmpDir });
    const launch = await buildLaunch(availability.kind, availability.executable, { command: req.command, cwd, tmpDir, writableDirs });
    return await execute(launch, env, cwd, req, sandbox);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

async function execute(
  launch: Launch,
  env: Record<string, string>,
  cwd: string,
  req: ExecRequest,
  sandbox: ExecResult['sandbox'],
): Promise<ExecResult> {
  const started = performance.now();
  const capture = new OutputCapture({ maxOutputBytes: req.maxOutputBytes });
  const child = spawnInNewGroup(launch.file, launch.args, { cwd, env });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<boolean>((resolve) => child.once('close', () => resolve(true)));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`failed to start ${launch.file}`);

  // Always drain both pipes, whether or not anyone listens live: a full pipe blocks the child.
  const decoders: Record<OutputStream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const emit = (text: string, stream: OutputStream): void => {
    if (text === '' || req.onOutput === undefined) return;
    try {
      req.onOutput(text, stream);
    } catch {
      // A failing listener (UI, terminal) must not break the capture or the run.
    }
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      capture.push(chunk, stream);
      emit(decoders[stream].write(chunk), stream);
    });
  }

  let killing: Promise<boolean> | undefined;
  const killTree = (): Promise<boolean> => {
    killing ??= killProcessGroup(pgid, { graceMs: KILL_GRACE_MS }).catch(() => false);
    return killing;
  };
  let timedOut = false;
  let cancelled = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killTree();
  }, Math.min(req.timeoutMs, MAX_TIMER_MS));
  const onAbort = (): void => {
    cancelled = true;
    void killTree();
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });

  const exit = await exited;
  // The outcome is decided once the leader has exited; later timers or aborts change nothing.
  clearTimeout(timer);
  req.signal?.removeEventListener('abort', onAbort);
  // Background processes the command left behind (`server &`) do not outlive the run.
  await killTree();
  const pipesClosed = await Promise.race([closed, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), PIPE_CLOSE_GRACE_MS))]);
  if (!pipesClosed) {
    // Held open by a process that left the group (only possible without a sandbox).
    child.stdout.destroy();
    child.stderr.destroy();
  }
  for (const stream of ['stdout', 'stderr'] as const) emit(decoders[stream].end(), stream);
  capture.end();

  return {
    exitCode: exit.code,
    signal: exit.signal,
    timedOut,
    cancelled: cancelled && !timedOut,
    output: capture.render(),
    stdoutTail: capture.streamTail('stdout'),
    stderrTail: capture.streamTail('stderr'),
    totalBytes: capture.totalBytes,
    truncated: capture.truncated,
    durationMs: Math.round(performance.now() - started),
    sandbox,
    pgid,
  };
}
