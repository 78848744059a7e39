/**
 * Linux only: a cgroup per sandboxed run, holding its process and memory limits, telling afterwards
 * what they stopped, and finding every process of the run — also one that left the process group
 * (setsid, a double-forking daemon), which the group kill cannot see without a PID namespace.
 *
 * cgroup v1 (the `pids` and `memory` hierarchies, e.g. containers on older hosts) and cgroup v2 (the
 * unified hierarchy of current distributions) are both used when writable. The run's cgroup is made
 * under the host's own cgroup, so it stays inside whatever limits the host already runs under. On v2
 * the host's cgroup must let its children have the `pids` and `memory` controllers (true at the root
 * of a container's cgroup namespace, or in a delegated cgroup with no processes of its own); a
 * desktop session's app scope usually does not, and then the caller falls back to rlimits.
 *
 * Names carry the host's pid (`mlx-factory-run-<pid>-<random>`), so the cgroup of a run whose host was
 * SIGKILLed is recognised later and emptied: its members are ours by construction, so killing them is
 * safe even when pids have been reused.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './process-tree.js';

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupMount {
  readonly version: CgroupVersion;
  readonly mountPoint: string;
  /** v1: the controllers of this hierarchy; v2: empty (read cgroup.controllers). */
  readonly controllers: readonly string[];
}

/** /proc/self/mounts → the cgroup file systems (pure). */
export function parseCgroupMounts(mounts: string): CgroupMount[] {
  const found: CgroupMount[] = [];
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (mountPoint === undefined || options === undefined) continue;
    const point = mountPoint.replace(/\\040/g, ' ');
    if (type === 'cgroup2') found.push({ version: 'v2', mountPoint: point, controllers: [] });
    else if (type === 'cgroup')
      found.push({ version: 'v1', mountPoint: point, controllers: options.split(',').filter((o) => ['pids', 'memory'].includes(o)) });
  }
  return found;
}

/** /proc/self/cgroup → controller (v1) or '' (v2) → the process's cgroup path (pure). */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, controllers = '', cgroupPath = '/'] = match;
    if (controllers === '') paths.set('', cgroupPath);
    for (const controller of controllers.split(',')) if (controller !== '') paths.set(controller, cgroupPath);
  }
  return paths;
}

/** "key value" lines (pids.events, memory.events, memory.oom_control) → numbers (pure). */
export function parseKeyValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && key !== '' && value !== undefined && /^\d+$/.test(value)) values.set(key, Number(value));
  }
  return values;
}

export const RUN_CGROUP_PREFIX = 'mlx-factory-run-';

/** The pid of the host that made a run cgroup, from its name; null if it is not one of ours. */
export function hostPidOfRunCgroup(name: string): number | null {
  const match = new RegExp(`^${RUN_CGROUP_PREFIX}(\\d+)-[0-9a-f]+$`).exec(name);
  return match === null ? null : Number(match[1]);
}

export interface CgroupSystem {
  /** Defaults: /proc/self/mounts, /proc/self/cgroup. Tests point them at files of their own. */
  readonly mountsFile?: string;
  readonly procCgroupFile?: string;
}

/** The directories under which this process may make run cgroups, per controller. */
interface CgroupParents {
  readonly version: CgroupVersion;
  /** v1: one parent per hierarchy; v2: the same directory for both. */
  readonly pids: string | null;
  readonly memory: string | null;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await fs.stat(dir).catch(() => null))?.isDirectory() ?? false;
}

/** Own cgroup directory under a mount; the mount's root when that path is not visible (cgroup namespaces). */
async function ownDirectory(mountPoint: string, cgroupPath: string | undefined): Promise<string> {
  const candidate = path.join(mountPoint, cgroupPath ?? '/');
  return (await isDirectory(candidate)) ? candidate : mountPoint;
}

/**
 * Where run cgroups can go: v1 when the pids or memory hierarchy is mounted (hybrid systems keep
 * their controllers there), else v2. Null when there is no cgroup file system. Whether a cgroup can
 * really be made there is only known by trying (see createRunCgroup).
 */
async function findCgroupParents(system: CgroupSystem = {}): Promise<CgroupParents | null> {
  const mounts = parseCgroupMounts((await readText(system.mountsFile ?? '/proc/self/mounts')) ?? '');
  const own = parseProcCgroup((await readText(system.procCgroupFile ?? '/proc/self/cgroup')) ?? '');
  const v1 = (controller: string) => mounts.find((m) => m.version === 'v1' && m.controllers.includes(controller));
  const pidsMount = v1('pids');
  const memoryMount = v1('memory');
  if (pidsMount !== undefined || memoryMount !== undefined) {
    return {
      version: 'v1',
      pids: pidsMount ? await ownDirectory(pidsMount.mountPoint, own.get('pids')) : null,
      memory: memoryMount ? await ownDirectory(memoryMount.mountPoint, own.get('memory')) : null,
    };
  }
  const unified = mounts.find((m) => m.version === 'v2');
  if (unified === undefined) return null;
  const dir = await ownDirectory(unified.mountPoint, own.get(''));
  return { version: 'v2', pids: dir, memory: dir };
}

export interface RunCgroupLimits {
  readonly memoryBytes: number;
  readonly processes: number;
}

export interface RunCgroupStats {
  readonly peakMemoryBytes: number | null;
  readonly peakProcesses: number | null;
  readonly oomKills: number;
  readonly forksRefused: number;
}

/** One run's cgroup(s): on v1 a directory in each hierarchy, on v2 one directory. */
export class RunCgroup {
  private sampledPeak = 0;
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    readonly version: CgroupVersion,
    /** Directory with pids.* (null: no process limit by cgroup). */
    readonly pidsDir: string | null,
    /** Directory with memory.* (null: no memory limit by cgroup). */
    readonly memoryDir: string | null,
  ) {}

  get dirs(): string[] {
    return [...new Set([this.pidsDir, this.memoryDir].filter((d): d is string => d !== null))];
  }

  /** What the leader writes its pid to. */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => path.join(dir, 'cgroup.procs'));
  }

  /** Older kernels have no pids.peak: sample pids.current while the run lasts. */
  async startSampling(intervalMs = 100): Promise<void> {
    if (this.pidsDir === null || (await readText(path.join(this.pidsDir, 'pids.peak'))) !== null) return;
    const file = path.join(this.pidsDir, 'pids.current');
    this.sampler = setInterval(() => {
      void readText(file).then((text) => {
        const n = Number(text?.trim());
        if (Number.isFinite(n)) this.sampledPeak = Math.max(this.sampledPeak, n);
      });
    }, intervalMs);
    this.sampler.unref();
  }

  async stats(): Promise<RunCgroupStats> {
    if (this.sampler !== undefined) clearInterval(this.sampler);
    let peakProcesses: number | null = null;
    let forksRefused = 0;
    if (this.pidsDir !== null) {
      const peak = Number((await readText(path.join(this.pidsDir, 'pids.peak')))?.trim() ?? Number.NaN);
      peakProcesses = Number.isFinite(peak) ? peak : this.sampledPeak;
      forksRefused = parseKeyValues((await readText(path.join(this.pidsDir, 'pids.events'))) ?? '').get('max') ?? 0;
    }
    let peakMemoryBytes: number | null = null;
    let oomKills = 0;
    if (this.memoryDir !== null) {
      const [peakFile, eventsFile] =
        this.version === 'v1' ? ['memory.max_usage_in_bytes', 'memory.oom_control'] : ['memory.peak', 'memory.events'];
      const peak = Number((await readText(path.join(this.memoryDir, peakFile)))?.trim() ?? Number.NaN);
      peakMemoryBytes = Number.isFinite(peak) ? peak : null;
      oomKills = parseKeyValues((await readText(path.join(this.memoryDir, eventsFile))) ?? '').get('oom_kill') ?? 0;
    }
    return { peakMemoryBytes, peakProcesses, oomKills, forksRefused };
  }

  /** Pids still in the run's cgroup (zombies are not listed: they have left it). */
  async members(): Promise<number[]> {
    const pids = new Set<number>();
    for (const file of this.procsFiles) {
      for (const line of ((await readText(file)) ?? '').split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
    }
    return [...pids];
  }

  /**
   * SIGKILLs everything still in the cgroup until it is empty: cgroup.kill where the kernel has it
   * (v2, Linux 5.14+), else pid by pid, repeatedly, since a fork bomb refills it while we read.
   * Returns true when it is empty.
   */
  async killAll(withinMs = 5000): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const members = await this.members();
      if (members.length === 0) return true;
      if (Date.now() >= deadline) return false;
      const dir = this.dirs[0];
      const viaKernel = this.version === 'v2' && dir !== undefined && (await writeLimit(dir, 'cgroup.kill', '1'));
      if (!viaKernel) {
        for (const pid of members) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Removes the (empty) cgroup directories; a few tries, since the last exits take a moment to land. */
  async remove(): Promise<boolean> {
    if (this.sampler !== undefined) clearInterval(this.sampler);
    let removed = true;
    for (const dir of this.dirs) {
      let done = false;
      for (let i = 0; i < 25 && !done; i++) {
        try {
          await fs.rmdir(dir);
          done = true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') done = true;
          else await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      removed &&= done;
    }
    return removed;
  }
}

async function writeLimit(dir: string, file: string, value: string): Promise<boolean> {
  return fs.writeFile(path.join(dir, file), value).then(
    () => true,
    () => false,
  );
}

async function makeDir(parent: string, name: string): Promise<string | null> {
  const dir = path.join(parent, name);
  try {
    await fs.mkdir(dir);
    return dir;
  } catch {
    return null;
  }
}

/** v2: can children of `parent` have these controllers? Tries to enable them if not (allowed only when `parent` has no processes or is the root). */
async function v2ChildControllers(parent: string): Promise<Set<string>> {
  const wanted = ['pids', 'memory'];
  const available = new Set(((await readText(path.join(parent, 'cgroup.controllers'))) ?? '').trim().split(/\s+/));
  const enabled = new Set(((await readText(path.join(parent, 'cgroup.subtree_control'))) ?? '').trim().split(/\s+/));
  for (const controller of wanted) {
    if (available.has(controller) && !enabled.has(controller)) {
      if (await writeLimit(parent, 'cgroup.subtree_control', `+${controller}`)) enabled.add(controller);
    }
  }
  return new Set(wanted.filter((c) => enabled.has(c)));
}

/**
 * Makes the run's cgroup with its limits. Null when this machine or user cannot (not Linux, no
 * cgroup file system, not writable, controllers not delegated): the caller falls back to rlimits.
 */
export async function createRunCgroup(limits: RunCgroupLimits, system: CgroupSystem = {}): Promise<RunCgroup | null> {
  if (process.platform !== 'linux' && system.mountsFile === undefined) return null;
  const parents = await findCgroupParents(system);
  if (parents === null) return null;
  const name = `${RUN_CGROUP_PREFIX}${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  let pidsDir: string | null = null;
  let memoryDir: string | null = null;
  if (parents.version === 'v1') {
    if (parents.pids !== null) pidsDir = await makeDir(parents.pids, name);
    if (parents.memory !== null) memoryDir = await makeDir(parents.memory, name);
  } else if (parents.pids !== null) {
    const controllers = await v2ChildControllers(parents.pids);
    if (controllers.size > 0) {
      const dir = await makeDir(parents.pids, name);
      if (dir !== null) {
        // A v2 child has a controller's files only if its parent enabled it for children.
        pidsDir = controllers.has('pids') ? dir : null;
        memoryDir = controllers.has('memory') ? dir : null;
        if (pidsDir === null && memoryDir === null) await fs.rmdir(dir).catch(() => undefined);
      }
    }
  }
  const group = new RunCgroup(parents.version, pidsDir, memoryDir);
  if (pidsDir !== null && !(await writeLimit(pidsDir, 'pids.max', String(limits.processes)))) {
    await group.remove();
    return null;
  }
  if (memoryDir !== null) {
    const bytes = String(limits.memoryBytes);
    const ok =
      parents.version === 'v1'
        ? (await writeLimit(memoryDir, 'memory.limit_in_bytes', bytes)) &&
          // memsw (memory + swap) exists only with swap accounting; without it there is nothing to escape to.
          ((await readText(path.join(memoryDir, 'memory.memsw.limit_in_bytes'))) === null ||
            (await writeLimit(memoryDir, 'memory.memsw.limit_in_bytes', bytes)))
        : (await writeLimit(memoryDir, 'memory.max', bytes)) &&
          ((await readText(path.join(memoryDir, 'memory.swap.max'))) === null || (await writeLimit(memoryDir, 'memory.swap.max', '0')));
    if (!ok) {
      await group.remove();
      return null;
    }
  }
  if (group.dirs.length === 0) return null;
  return group;
}

/**
 * Empties and removes the run cgroups of hosts that are gone (SIGKILLed, crashed): whatever of
 * their runs still lives is killed. Returns the pids killed. Cheap when there is nothing to do.
 */
export async function reapStaleRunCgroups(system: CgroupSystem = {}): Promise<number[]> {
  if (process.platform !== 'linux' && system.mountsFile === undefined) return [];
  const parents = await findCgroupParents(system);
  if (parents === null) return [];
  const killed: number[] = [];
  const stale = new Map<string, { pids: string | null; memory: string | null }>();
  for (const [kind, parent] of [
    ['pids', parents.pids],
    ['memory', parents.memory],
  ] as const) {
    if (parent === null) continue;
    const names = await fs.readdir(parent).catch(() => [] as string[]);
    for (const name of names) {
      const pid = hostPidOfRunCgroup(name);
      if (pid === null || pid === process.pid || isProcessAlive(pid)) continue;
      const entry = stale.get(name) ?? { pids: null, memory: null };
      stale.set(name, { ...entry, [kind]: path.join(parent, name) });
    }
  }
  for (const dirs of stale.values()) {
    const group = new RunCgroup(parents.version, dirs.pids, dirs.memory);
    killed.push(...(await group.members()));
    await group.killAll();
    await group.remove();
  }
  return killed;
}
