import { runGit } from './run-git.js';

/** `git --version`, asked once per process: what the installed git can do decides some commands. */
export interface GitVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

let cached: Promise<GitVersion> | undefined;

export function gitVersion(): Promise<GitVersion> {
  cached ??= runGit(['--version'], { cwd: process.cwd() }).then((result) => parseGitVersion(result.stdout));
  return cached;
}

/** "git version 2.39.5", "git version 2.45.1.windows.1", "git version 2.39.3 (Apple Git-146)". */
export function parseGitVersion(output: string): GitVersion {
  const match = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  if (match === null) return { major: 0, minor: 0, patch: 0 };
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

export function atLeast(version: GitVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}
