/**
 * Which OS sandbox this machine can use: bubblewrap on Linux (only if it actually works here —
 * a binary on PATH is not enough inside containers or with user namespaces disabled),
 * sandbox-exec on macOS, none elsewhere. Probed once per process.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type SandboxKind = 'bwrap' | 'sandbox-exec' | 'none';

export interface SandboxAvailability {
  kind: SandboxKind;
  /** Absolute path of the sandbox program, when there is one. */
  executable?: string;
  /** Why there is no sandbox and how to get one; shown to the user. */
  warning?: string;
}

const SANDBOX_EXEC_PATH = '/usr/bin/sandbox-exec';
const PROBE_TIMEOUT_MS = 10_000;

const BWRAP_INSTALL_HINT =
  'Install bubblewrap: `sudo apt-get install bubblewrap` (Debian/Ubuntu), `sudo dnf install bubblewrap` (Fedora) or `sudo pacman -S bubblewrap` (Arch).';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, pathEnv: string | undefined): Promise<string | undefined> {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function failureText(error: unknown): string {
  if (error instanceof Error && 'stderr' in error && typeof error.stderr === 'string' && error.stderr.trim() !== '') {
    return error.stderr.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

async function probeBwrap(pathEnv: string | undefined): Promise<SandboxAvailability> {
  const bwrap = await findOnPath('bwrap', pathEnv);
  if (bwrap === undefined) {
    return {
      kind: 'none',
      warning: `No sandbox: bubblewrap (bwrap) is not on PATH, so checks run with network access and can write anywhere you can. ${BWRAP_INSTALL_HINT}`,
    };
  }
  // The namespaces and flags a real run uses; a plain `bwrap --version` would pass where
  // namespace creation is forbidden.
  const probeArgs = [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--unshare-net',
    '--unshare-pid',
    '--cap-drop',
    'ALL',
    'true',
  ];
  try {
    await execFileAsync(bwrap, probeArgs, { timeout: PROBE_TIMEOUT_MS });
    return { kind: 'bwrap', executable: bwrap };
  } catch (error) {
    return {
      kind: 'none',
      executable: bwrap,
      warning:
        `No sandbox: ${bwrap} is installed but cannot create a sandbox here (${failureText(error)}). ` +
        'Usual causes: unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone=1; ' +
        'on Ubuntu 24.04+ an AppArmor profile for bwrap is needed) or a container without CAP_SYS_ADMIN.',
    };
  }
}

async function probeSandboxExec(): Promise<SandboxAvailability> {
  if (!(await isExecutable(SANDBOX_EXEC_PATH))) {
    return { kind: 'none', warning: `No sandbox: ${SANDBOX_EXEC_PATH} is missing (it ships with macOS; is this a stripped-down system?).` };
  }
  try {
    await execFileAsync(SANDBOX_EXEC_PATH, ['-p', '(version 1)(allow default)', '/usr/bin/true'], { timeout: PROBE_TIMEOUT_MS });
    return { kind: 'sandbox-exec', executable: SANDBOX_EXEC_PATH };
  } catch (error) {
    return { kind: 'none', executable: SANDBOX_EXEC_PATH, warning: `No sandbox: sandbox-exec does not work here (${failureText(error)}).` };
  }
}

/** Uncached probe; `detectSandbox` is what callers want. */
export async function probeSandbox(
  platform: NodeJS.Platform = process.platform,
  pathEnv: string | undefined = process.env.PATH,
): Promise<SandboxAvailability> {
  if (platform === 'linux') return probeBwrap(pathEnv);
  if (platform === 'darwin') return probeSandboxExec();
  return {
    kind: 'none',
    warning: `No sandbox on ${platform}: only Linux (bubblewrap) and macOS (sandbox-exec) are supported; checks run with your full permissions.`,
  };
}

let cached: Promise<SandboxAvailability> | undefined;

/** The sandbox for this process, probed on first use. */
export function detectSandbox(): Promise<SandboxAvailability> {
  cached ??= probeSandbox();
  return cached;
}

/** Forget the cached probe (after the user installed bubblewrap, say). */
export function resetSandboxDetection(): void {
  cached = undefined;
}
