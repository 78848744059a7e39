/**
 * Resource limits for one sandboxed run: memory, number of processes, CPU time per process.
 * Pure: the numbers, their defaults, and what to tell the user when one was hit.
 *
 * Which mechanism enforces what (see run-cgroup.ts and limit-prelude.ts for the code):
 * - Linux, when a cgroup can be made for the run (v1 `pids` + `memory` hierarchies, or a v2 cgroup
 *   whose children get the `pids` and `memory` controllers): pids.max and the memory limit (swap
 *   included) on a cgroup per run. The kernel counts every process of the run however it forks, and
 *   OOM-kills inside the run when the memory is used up. The same cgroup finds processes that left
 *   the process group, so they are killed too.
 * - Linux without one: RLIMIT_DATA for memory (not RLIMIT_AS: Node/V8 and Go reserve huge virtual
 *   ranges up front and would not even start under it), RLIMIT_NPROC for processes. RLIMIT_NPROC
 *   counts all processes of the user, so it is set to (the user's processes now + the limit); the
 *   kernel does not enforce it for root at all.
 * - macOS: no cgroups. RLIMIT_NPROC as above; no memory limit (macOS enforces neither RLIMIT_DATA
 *   nor RLIMIT_AS for mmap-based allocation, which is what malloc uses for anything large).
 * - Everywhere: RLIMIT_CPU per process, SIGXCPU at the soft limit and SIGKILL a few seconds later.
 */
export interface ResourceLimits {
  /** Memory of the whole run (cgroup) or of each process (RLIMIT_DATA fallback), in bytes. */
  readonly memoryBytes: number;
  /** Processes (and threads, under a cgroup) running at once. */
  readonly processes: number;
  /** CPU seconds per process (RLIMIT_CPU soft limit). */
  readonly cpuSeconds: number;
}

/** What a caller may ask for; anything missing gets its default. */
export interface ResourceLimitsRequest extends Partial<ResourceLimits> {
  /** false: rlimits only, as on a machine without a usable cgroup (tests use it). Default true. */
  readonly cgroups?: boolean;
}

const DEFAULT_MAX_PROCESSES = 512;
const MAX_DEFAULT_MEMORY_BYTES = 4 * 1024 ** 3;
/** Between SIGXCPU (catchable) and SIGKILL. */
export const CPU_KILL_GRACE_SECONDS = 5;

export interface MachineFacts {
  readonly totalMemoryBytes: number;
  readonly cpus: number;
}

/** min(4 GiB, half of RAM): room for a test suite, never enough to push the model out of memory. */
export function defaultMemoryBytes(totalMemoryBytes: number): number {
  return Math.min(MAX_DEFAULT_MEMORY_BYTES, Math.floor(totalMemoryBytes / 2));
}

/**
 * The CPU-time default: the wall-clock timeout times the cores, so a process that keeps every core
 * busy for the whole run is never cut short by it. It bounds what a process can burn if it outlives
 * its run (a daemon that escaped the kill on a machine without a PID namespace).
 */
export function defaultCpuSeconds(timeoutMs: number, cpus: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000) * Math.max(1, cpus) + 1);
}

export function resolveResourceLimits(
  request: ResourceLimitsRequest | undefined,
  timeoutMs: number,
  machine: MachineFacts,
): ResourceLimits {
  const limits = {
    memoryBytes: request?.memoryBytes ?? defaultMemoryBytes(machine.totalMemoryBytes),
    processes: request?.processes ?? DEFAULT_MAX_PROCESSES,
    cpuSeconds: request?.cpuSeconds ?? defaultCpuSeconds(timeoutMs, machine.cpus),
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`limits.${name} must be a positive integer, got ${value}`);
  }
  return limits;
}

/** factory.yaml's `sandbox` section (structurally, so the sandbox does not depend on the config module). */
export interface SandboxLimitSettings {
  readonly max_memory_mb?: number | null | undefined;
  readonly max_processes?: number | null | undefined;
}

/** The config's choices as a request; unset keys keep their defaults. */
export function limitsFromSettings(settings: SandboxLimitSettings): ResourceLimitsRequest {
  return {
    ...(settings.max_memory_mb != null ? { memoryBytes: settings.max_memory_mb * 1024 * 1024 } : {}),
    ...(settings.max_processes != null ? { processes: settings.max_processes } : {}),
  };
}

/** How a limit was enforced in one run. */
export type Enforcement = 'cgroup-v1' | 'cgroup-v2' | 'rlimit' | 'none';

export interface ResourceReport {
  /** null: limits were turned off for this run. */
  readonly limits: ResourceLimits | null;
  readonly enforcement: { readonly memory: Enforcement; readonly processes: Enforcement; readonly cpu: Enforcement };
  /** Highest memory use of the run (cgroup only). */
  readonly peakMemoryBytes: number | null;
  /** Most processes running at once (cgroup only). */
  readonly peakProcesses: number | null;
  /** The kernel OOM-killed a process of the run at the memory limit (cgroup only). */
  readonly memoryLimitHit: boolean;
  /** fork()/clone() calls refused at the process limit (cgroup only). */
  readonly forksRefused: number;
  /** The leader died of SIGXCPU. */
  readonly cpuLimitHit: boolean;
}

export function noLimitsReport(): ResourceReport {
  return {
    limits: null,
    enforcement: { memory: 'none', processes: 'none', cpu: 'none' },
    peakMemoryBytes: null,
    peakProcesses: null,
    memoryLimitHit: false,
    forksRefused: 0,
    cpuLimitHit: false,
  };
}

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/**
 * Lines appended to the run's output when a limit stopped something, so the user and the Sheriff
 * read why a process died instead of a bare "Killed". Empty when no limit was hit.
 */
export function limitNotice(report: ResourceReport): string {
  const limits = report.limits;
  if (limits === null) return '';
  const lines: string[] = [];
  if (report.memoryLimitHit) {
    lines.push(`[mlx-factory] The run reached its memory limit (${mib(limits.memoryBytes)}): the kernel killed its largest process.`);
  }
  if (report.forksRefused > 0) {
    const peak = report.peakProcesses === null ? '' : ` (${report.peakProcesses} at the peak)`;
    lines.push(
      `[mlx-factory] The run reached its limit of ${limits.processes} processes${peak}: ${report.forksRefused} attempt(s) to start another were refused.`,
    );
  }
  if (report.cpuLimitHit) lines.push(`[mlx-factory] A process used up its CPU-time limit (${limits.cpuSeconds} s) and was killed.`);
  return lines.length === 0 ? '' : `\n${lines.join('\n')}\n`;
}
