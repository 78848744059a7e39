/**
 * Runs one shell command (a check, a generated program) in a worktree: scrubbed environment,
 * OS sandbox when there is one, private TMPDIR, memory / process / CPU-time limits, timeout and
 * cancellation that kill the whole process tree, output bounded to head + tail. Resolves only once
 * no process of the run is left.
 */
import { lstatSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, homedir, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { FactoryError } from '../errors/factory-error.js';
import { appPaths } from '../home/app-home.js';
import { buildBwrapArgs, type ReadOnlyView } from './bwrap-args.js';
import { countUserTasks } from './count-user-processes.js';
import { buildLimitPrelude } from './limit-prelude.js';
import { OutputCapture, type OutputStream } from './output-capture.js';
import { killProcessGroup, spawnInNewGroup } from './process-tree.js';
import {
  limitNotice,
  noLimitsReport,
  resolveResourceLimits,
  type Enforcement,
  type ResourceLimits,
  type ResourceLimitsRequest,
  type ResourceReport,
} from './resource-limits.js';
import { createRunCgroup, reapStaleRunCgroups, type RunCgroup } from './run-cgroup.js';
import { detectSandbox, type SandboxKind } from './sandbox-detect.js';
import { buildUnixSocketFilter } from './seccomp-filter.js';
import { removeStaleRunFiles, runTmpPrefix } from './stale-run-files.js';
import { buildSandboxExecArgs, extraSandboxRules, macosProfilePath } from './sandbox-exec-args.js';
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
  /**
   * Files inside a writable dir that stay read-only (bubblewrap binds them read-only on top; elsewhere
   * the caller verifies them afterwards). The worktree's `.git` pointer is the one that matters.
   */
  readOnlyPaths?: string[];
  /**
   * The user's dependency folders shown read-only inside the worktree (#22). Bubblewrap binds them at
   * run time; on macOS the worktree holds a link to them instead (see dependency-views.ts) and the
   * profile already denies writes outside the worktree, so nothing is added there; with no sandbox
   * they are not shown (the run would have write access to them).
   */
  readOnlyViews?: ReadOnlyView[];
  /** Keep the network (workspace.setup from trusted config installs dependencies); checks never get it. */
  network?: boolean;
  /** Memory, process and CPU-time limits (see resource-limits.ts); missing ones get defaults; false = none. */
  limits?: ResourceLimitsRequest | false;
  /** Bytes of output passed to `onOutput` before live output stops (the result still has head + tail). Default 1 MiB. */
  maxLiveOutputBytes?: number;
  /** Called once the command runs, with its process group id (to record it, e.g. in the session log). */
  onStart?: (pgid: number) => void;
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
  /** The limits the run had, how they were enforced, and which ones stopped something. */
  resources: ResourceReport;
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
const DEFAULT_MAX_LIVE_OUTPUT_BYTES = 1024 * 1024;
/** A shell (and bwrap) reports a child killed by signal n as exit 128 + n; SIGXCPU is 24 on Linux and macOS. */
const SIGXCPU_EXIT = 128 + 24;
/** After the group is gone, how long pipes may stay open (held by a process that left the group). */
const PIPE_CLOSE_GRACE_MS = 2000;
/** setTimeout fires at once for delays above 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Launch {
  file: string;
  args: string[];
  /** Files the launcher opens on these descriptors for the program (bwrap's seccomp filter). */
  inputFds?: Array<{ fd: number; file: string }>;
}

/** bwrap reads its seccomp program from this descriptor (3 is the watchdog's, unused under bwrap). */
const SECCOMP_FD = 4;

interface LaunchContext {
  command: string;
  cwd: string;
  tmpDir: string;
  writableDirs: string[];
  readOnlyPaths: string[];
  readOnlyViews: ReadOnlyView[];
  network: boolean;
  privateDirs: string[];
}

async function existingDirectory(path: string, what: string): Promise<string> {
  const resolved = await realpath(path).catch(() => {
    throw new Error(`${what} does not exist: ${path}`);
  });
  if (!(await stat(resolved)).isDirectory()) throw new Error(`${what} is not a directory: ${path}`);
  return resolved;
}

/**
 * Views whose source is a real directory and whose target is an existing real directory inside the
 * worktree (a link there would be the check's, and a bind follows links). Others are dropped.
 */
async function resolvedViews(views: readonly ReadOnlyView[], worktree: string): Promise<ReadOnlyView[]> {
  const kept: ReadOnlyView[] = [];
  for (const view of views) {
    const target = lstatSync(view.target, { throwIfNoEntry: false });
    if (target === undefined || target.isSymbolicLink() || !target.isDirectory()) continue;
    const resolvedTarget = await realpath(view.target);
    if (!resolvedTarget.startsWith(`${worktree}/`)) continue;
    const source = await realpath(view.source).catch(() => null);
    if (source === null || !(await stat(source)).isDirectory()) continue;
    kept.push({ source, target: resolvedTarget });
  }
  return kept;
}

/**
 * The app's session logs, server logs and session worktrees (of the home this process uses): a
 * command may read the host, but not every other session's transcript and code — with the network
 * of a setup or run script it could send them away. Existing directories only, resolved; on Linux
 * none under /tmp, which the sandbox already replaces with an empty one.
 */
async function privateAppDirs(platform: NodeJS.Platform = process.platform): Promise<string[]> {
  const paths = appPaths();
  const dirs: string[] = [];
  for (const dir of [paths.sessions, paths.logs, paths.worktrees]) {
    const resolved = await realpath(dir).catch(() => null);
    if (resolved === null || !(await stat(resolved)).isDirectory()) continue;
    if (platform === 'linux' && (resolved === '/tmp' || resolved.startsWith('/tmp/'))) continue;
    dirs.push(resolved);
  }
  return dirs;
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
    const filter = buildUnixSocketFilter();
    if (filter === null) return { file: executable, args: buildBwrapArgs({ ...ctx, worktree: ctx.cwd, hidden }) };
    // Beside the run's temp dir, not in it: the command has no business reading it.
    const filterFile = `${ctx.tmpDir}.seccomp`;
    await writeFile(filterFile, filter, { mode: 0o600 });
    return {
      file: executable,
      args: buildBwrapArgs({ ...ctx, worktree: ctx.cwd, hidden, seccompFd: SECCOMP_FD }),
      inputFds: [{ fd: SECCOMP_FD, file: filterFile }],
    };
  }
  if (kind === 'sandbox-exec' && executable !== undefined) {
    const profilePath = macosProfilePath();
    const profileText = extraSandboxRules({ ...ctx, worktree: ctx.cwd }) !== '' ? await readFile(profilePath, 'utf8') : undefined;
    const args = buildSandboxExecArgs({
      command: ctx.command,
      worktree: ctx.cwd,
      tmpDir: ctx.tmpDir,
      home: (await resolvedHome()) ?? '/var/empty',
      writableDirs: ctx.writableDirs,
      readOnlyPaths: ctx.readOnlyPaths,
      network: ctx.network,
      privateDirs: ctx.privateDirs,
      profilePath,
      profileText,
    });
    return { file: executable, args };
  }
  return { file: '/bin/sh', args: ['-c', ctx.command] };
}

/** The limits wired into one launch: the cgroup (if any) and what the rlimits do. */
interface LimitSetup {
  limits: ResourceLimits | null;
  group: RunCgroup | null;
  enforcement: ResourceReport['enforcement'];
  prelude: string;
  /** The prelude starts a watchdog reading fd 3 (see limit-prelude.ts). */
  watchdog: boolean;
}

let staleReaped: Promise<unknown> | undefined;

/**
 * Once per process, before its first run: what runs of dead hosts (SIGKILL, a crash) left behind is
 * cleaned up — on Linux their cgroups are emptied (what survived in them is killed) and removed, and
 * everywhere their temp dirs are deleted.
 */
function reapStaleRunsOnce(): Promise<unknown> {
  staleReaped ??= Promise.all([reapStaleRunCgroups().catch(() => []), removeStaleRunFiles().catch(() => [])]);
  return staleReaped;
}

async function setUpLimits(req: ExecRequest, kind: SandboxKind, inputFds: Launch['inputFds'] = []): Promise<LimitSetup> {
  // Where no PID namespace kills the run when its host dies (no sandbox, macOS), a watchdog does.
  const watchdogFd = kind === 'bwrap' ? null : 3;
  if (req.limits === false) {
    const none: Enforcement = 'none';
    const prelude = buildLimitPrelude({
      cgroupProcsFiles: [],
      cpuSeconds: null,
      dataBytes: null,
      maxUserProcesses: null,
      watchdogFd,
      inputFds,
    });
    return { limits: null, group: null, enforcement: { memory: none, processes: none, cpu: none }, prelude, watchdog: watchdogFd !== null };
  }
  const limits = resolveResourceLimits(req.limits, req.timeoutMs, { totalMemoryBytes: totalmem(), cpus: availableParallelism() });
  const group = req.limits?.cgroups === false ? null : await createRunCgroup(limits).catch(() => null);
  const cgroupKind: Enforcement = group?.version === 'v2' ? 'cgroup-v2' : 'cgroup-v1';
  // Fallbacks: RLIMIT_DATA only on Linux (macOS ignores it); RLIMIT_NPROC is per user and not enforced for root.
  const dataBytes = group?.memoryDir == null && process.platform === 'linux' ? limits.memoryBytes : null;
  const uid = process.getuid?.() ?? 0;
  const maxUserProcesses = group?.pidsDir == null && uid !== 0 ? (await countUserTasks(uid).catch(() => 0)) + limits.processes : null;
  const enforcement = {
    memory: group?.memoryDir != null ? cgroupKind : dataBytes !== null ? ('rlimit' as const) : ('none' as const),
    processes: group?.pidsDir != null ? cgroupKind : maxUserProcesses !== null ? ('rlimit' as const) : ('none' as const),
    cpu: 'rlimit' as const,
  };
  const prelude = buildLimitPrelude({
    cgroupProcsFiles: group?.procsFiles ?? [],
    cpuSeconds: limits.cpuSeconds,
    dataBytes,
    maxUserProcesses,
    watchdogFd,
    inputFds,
  });
  return { limits, group, enforcement, prelude, watchdog: watchdogFd !== null };
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
    resources: noLimitsReport(),
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

  await reapStaleRunsOnce();
  // realpath: on macOS os.tmpdir() is under /var, a symlink the Seatbelt rules would not match.
  const tmpDir = await realpath(await mkdtemp(join(tmpdir(), runTmpPrefix())));
  let setup: LimitSetup | undefined;
  try {
    // Go's build cache lives under the home, read-only in the sandbox; a shared writable one would let a
    // check plant entries the user's own builds then trust. The run's private one goes with its temp dir.
    const env = scrubEnvironment(process.env, { GOCACHE: join(tmpDir, 'go-build'), ...req.env, TMPDIR: tmpDir });
    // Plain files only: a bind follows links, and a link here would be the check's, not ours.
    const readOnlyPaths = (req.readOnlyPaths ?? []).filter((p) => lstatSync(p, { throwIfNoEntry: false })?.isFile() === true);
    const launch = await buildLaunch(availability.kind, availability.executable, {
      command: req.command,
      cwd,
      tmpDir,
      writableDirs,
      readOnlyPaths,
      readOnlyViews: await resolvedViews(req.readOnlyViews ?? [], cwd),
      network: req.network === true,
      privateDirs: await privateAppDirs(),
    });
    setup = await setUpLimits(req, availability.kind, launch.inputFds);
    // The prelude joins the cgroup, sets the rlimits and starts the watchdog, then execs the launch.
    const limited: Launch = { file: '/bin/sh', args: ['-c', setup.prelude, launch.file, ...launch.args] };
    return await execute(limited, env, cwd, req, sandbox, setup);
  } finally {
    await setup?.group?.remove();
    await rm(tmpDir, { recursive: true, force: true });
    await rm(`${tmpDir}.seccomp`, { force: true });
  }
}

/**
 * The leader died of SIGXCPU, or a shell (ours under bwrap, or the command's) reported that its
 * child did: shells exit 128 + 24 and print "CPU time limit exceeded".
 */
function diedOfCpuLimit(exit: { code: number | null; signal: NodeJS.Signals | null }, stderrTail: string): boolean {
  return exit.signal === 'SIGXCPU' || (exit.code === SIGXCPU_EXIT && /CPU time limit exceeded/i.test(stderrTail));
}

async function resourceReport(
  setup: LimitSetup,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  stderrTail: string,
): Promise<ResourceReport> {
  const stats = setup.group === null ? null : await setup.group.stats();
  return {
    limits: setup.limits,
    enforcement: setup.enforcement,
    peakMemoryBytes: stats?.peakMemoryBytes ?? null,
    peakProcesses: stats?.peakProcesses ?? null,
    memoryLimitHit: (stats?.oomKills ?? 0) > 0,
    forksRefused: stats?.forksRefused ?? 0,
    cpuLimitHit: setup.limits !== null && diedOfCpuLimit(exit, stderrTail),
  };
}

async function execute(
  launch: Launch,
  env: Record<string, string>,
  cwd: string,
  req: ExecRequest,
  sandbox: ExecResult['sandbox'],
  setup: LimitSetup,
): Promise<ExecResult> {
  const started = performance.now();
  const capture = new OutputCapture({ maxOutputBytes: req.maxOutputBytes });
  const child = spawnInNewGroup(launch.file, launch.args, { cwd, env, parentDeathPipe: setup.watchdog });
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
  if (setup.group !== null) void setup.group.startSampling();
  try {
    req.onStart?.(pgid);
  } catch {
    // Recording the start (a full disk, say) must not leave a run without its kill and capture.
  }

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
  // Live output is what reaches the session log and the UI: bounded, or a check printing 100 MB
  // would write 100 MB to the log. The result keeps head + tail either way.
  const liveCap = req.maxLiveOutputBytes ?? DEFAULT_MAX_LIVE_OUTPUT_BYTES;
  let liveBytes = 0;
  let liveStopped = false;
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      capture.push(chunk, stream);
      if (liveStopped) return;
      emit(decoders[stream].write(chunk), stream);
      liveBytes += chunk.length;
      if (liveBytes >= liveCap) {
        liveStopped = true;
        emit(
          `\n[mlx-factory] Live output stops here, after ${liveBytes} bytes; the run goes on, and its result keeps the beginning and the end of the output.\n`,
          stream,
        );
      }
    });
  }

  let killing: Promise<boolean> | undefined;
  const killTree = (): Promise<boolean> => {
    killing ??= killProcessGroup(pgid, { graceMs: KILL_GRACE_MS }).catch(() => false);
    return killing;
  };
  let timedOut = false;
  let cancelled = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      void killTree();
    },
    Math.min(req.timeoutMs, MAX_TIMER_MS),
  );
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
  // Those that also left the process group are still in the run's cgroup.
  if (setup.group !== null) await setup.group.killAll();
  // The grace timer is cleared once the pipes close: left pending, it would hold the CLI's process
  // open for the whole grace period after its last line.
  let graceTimer: NodeJS.Timeout | undefined;
  const pipesClosed = await Promise.race([
    closed,
    new Promise<boolean>((resolve) => (graceTimer = setTimeout(() => resolve(false), PIPE_CLOSE_GRACE_MS))),
  ]);
  clearTimeout(graceTimer);
  if (!pipesClosed) {
    // Held open by a process that left the group (only possible without a sandbox).
    child.stdout.destroy();
    child.stderr.destroy();
  }
  child.stdio[3]?.destroy(); // the watchdog's pipe; the run is over, so its EOF kills nothing
  if (!liveStopped) for (const stream of ['stdout', 'stderr'] as const) emit(decoders[stream].end(), stream);
  const resources = await resourceReport(setup, exit, capture.streamTail('stderr'));
  const notice = limitNotice(resources);
  if (notice !== '') {
    capture.push(Buffer.from(notice), 'stderr');
    emit(notice, 'stderr');
  }
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
    resources,
  };
}
