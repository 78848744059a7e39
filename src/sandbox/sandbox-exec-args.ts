/**
 * macOS: the sandbox-exec command line for one run, using resources/sandbox/macos.sb. Pure.
 *
 * Every path must be realpath-resolved: Seatbelt matches the kernel's resolved paths, so a rule
 * for /var/folders/… or /tmp/… (symlinks to /private/…) would silently never match.
 */
import { FactoryError } from '../errors/factory-error.js';

/**
 * Where resources/sandbox/macos.sb is, set once by the entry point that knows the layout: the CLI
 * from the package root, the Electron app from `process.resourcesPath` when packaged (bundled code
 * runs inside app.asar there, and sandbox-exec cannot read a file inside an archive). Not resolved
 * from this module's own URL, which points into app.asar in a packaged app.
 */
let macosProfile: string | null = null;

export function setMacosProfilePath(path: string): void {
  macosProfile = path;
}

/** The configured profile; a typed error if no entry point set one (a wiring bug, not a user error). */
export function macosProfilePath(): string {
  if (macosProfile === null)
    throw new FactoryError('SANDBOX_UNAVAILABLE', 'The macOS sandbox profile was not configured (setMacosProfilePath was never called).');
  return macosProfile;
}

export interface SandboxExecPlan {
  command: string;
  worktree: string;
  tmpDir: string;
  home: string;
  writableDirs: readonly string[];
  /** Files inside the writable dirs that stay read-only (the worktree's `.git` pointer). */
  readOnlyPaths?: readonly string[];
  /** Keep the network (trusted workspace.setup only). */
  network?: boolean;
  /** The app's logs and worktrees: unreadable, except the run's own worktree (see bwrap-args.ts). */
  privateDirs?: readonly string[];
  profilePath: string;
  /** The profile's text; needed when any rule is added (writable dirs, read-only files, network). */
  profileText?: string;
}

/** The rules added after the profile's own (later rules win in SBPL). */
export function extraSandboxRules(
  plan: Pick<SandboxExecPlan, 'writableDirs' | 'readOnlyPaths' | 'network' | 'privateDirs'> & { readonly worktree?: string },
): string {
  const rules: string[] = [];
  const privateDirs = plan.privateDirs ?? [];
  if (privateDirs.length > 0) {
    // Later rules win in SBPL: hide the app's logs and worktrees, then give the run its own worktree back.
    rules.push(`(deny file-read* file-write*\n${privateDirs.map((dir) => `  (subpath ${sbplString(dir)})`).join('\n')})`);
    if (plan.worktree !== undefined) rules.push(`(allow file-read* file-write* (subpath ${sbplString(plan.worktree)}))`);
  }
  if (plan.writableDirs.length > 0)
    rules.push(`(allow file-write*\n${plan.writableDirs.map((dir) => `  (subpath ${sbplString(dir)})`).join('\n')})`);
  if (plan.network === true) rules.push('(allow network*)');
  if ((plan.readOnlyPaths ?? []).length > 0)
    rules.push(`(deny file-write*\n${(plan.readOnlyPaths ?? []).map((file) => `  (literal ${sbplString(file)})`).join('\n')})`);
  return rules.join('\n');
}

/** An SBPL string literal. */
export function sbplString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function buildSandboxExecArgs(plan: SandboxExecPlan): string[] {
  const params = ['-D', `WORKTREE=${plan.worktree}`, '-D', `TMP=${plan.tmpDir}`, '-D', `HOME=${plan.home}`];
  let profile: string[];
  const extra = extraSandboxRules(plan);
  if (extra === '') {
    profile = ['-f', plan.profilePath];
  } else {
    // The profile's parameters are fixed names, so variable rules are appended to the profile text
    // and passed inline.
    if (plan.profileText === undefined) throw new Error('profileText is required when rules are added');
    profile = ['-p', `${plan.profileText}\n${extra}\n`];
  }
  return [...profile, ...params, '/bin/sh', '-c', plan.command];
}
