/**
 * macOS: the sandbox-exec command line for one run, using resources/sandbox/macos.sb. Pure.
 *
 * Every path must be realpath-resolved: Seatbelt matches the kernel's resolved paths, so a rule
 * for /var/folders/… or /tmp/… (symlinks to /private/…) would silently never match.
 */
import { fileURLToPath } from 'node:url';

/** The profile in the source tree and in the electron-vite build (out/main/ is two levels deep too). */
export const MACOS_PROFILE_PATH = fileURLToPath(new URL('../../resources/sandbox/macos.sb', import.meta.url));

export interface SandboxExecPlan {
  command: string;
  worktree: string;
  tmpDir: string;
  home: string;
  writableDirs: readonly string[];
  profilePath: string;
  /** The profile's text; needed only when `writableDirs` is not empty. */
  profileText?: string;
}

/** An SBPL string literal. */
export function sbplString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function buildSandboxExecArgs(plan: SandboxExecPlan): string[] {
  const params = ['-D', `WORKTREE=${plan.worktree}`, '-D', `TMP=${plan.tmpDir}`, '-D', `HOME=${plan.home}`];
  let profile: string[];
  if (plan.writableDirs.length === 0) {
    profile = ['-f', plan.profilePath];
  } else {
    // The profile's parameters are fixed names, so a variable number of extra writable dirs is
    // appended as rules to the profile text and passed inline.
    if (plan.profileText === undefined) throw new Error('profileText is required when writableDirs are given');
    const rule = `(allow file-write*\n${plan.writableDirs.map((dir) => `  (subpath ${sbplString(dir)})`).join('\n')})\n`;
    profile = ['-p', `${plan.profileText}\n${rule}`];
  }
  return [...profile, ...params, '/bin/sh', '-c', plan.command];
}
