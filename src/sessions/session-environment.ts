import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventOf } from '../api/events.js';
import type { DependencyMode } from '../config/project-trust.js';
import { detectDependencies, type DetectedDependencies, type Ecosystem } from '../workspace/detect-dependencies.js';
import {
  ignoredInWorktree,
  prepareDependencyView,
  removeDependencyView,
  viewBinds,
  type DependencyView,
} from '../workspace/dependency-views.js';
import { changedPaths } from '../workspace/git/changed-paths.js';
import { runGit } from '../workspace/git/run-git.js';
import { gitPlace, type WorktreeGit } from '../workspace/git/worktree-git.js';
import { runWorkspaceSetup } from '../workspace/run-setup.js';
import type { CheckRunner } from './run-attempts.js';
import type { SessionLog } from './session-log.js';

/**
 * How a session's checks get the project's dependencies (#22), decided once when it starts and logged
 * as `environment`: "mine" (the user's ignored folder, read-only, see dependency-views.ts), "install"
 * (the install command in the worktree, in the sandbox with network, as a setup step) or "none" (Go
 * and Cargo keep their packages outside the repository; or no ecosystem found). A session that
 * changes the manifest or lockfile installs in the worktree before its next check, whatever the mode.
 */
export type SessionEnvironment = Omit<EventOf<'environment'>, 'type' | 'session' | 'seq' | 'time'>;

/** The line the app and the CLI show. */
export function environmentLine(mode: SessionEnvironment['mode'], found: DetectedDependencies | null): string {
  if (found === null) return 'Environment: nothing to install (no package manifest found).';
  if (mode === 'mine' && found.folder !== null) return `Environment: ${found.folder} from your checkout (read-only)`;
  if (mode === 'install' && found.installCommand !== null) return `Environment: install with \`${found.installCommand}\``;
  if (found.ecosystem === 'go') return 'Environment: Go modules from your module cache (read-only)';
  if (found.ecosystem === 'cargo') return 'Environment: Cargo crates from your ~/.cargo (read-only)';
  // Only the user's pick reaches here with a folder or a command at hand ("none" for this repository).
  if (found.folder !== null || found.installCommand !== null)
    return `Environment: none — checks get no ${found.folderName ?? 'dependencies'} and nothing is installed`;
  return `Environment: no ${found.folderName ?? 'dependency folder'} in your checkout and nothing to install`;
}

/**
 * The default: the user's folder when there is one and the lockfile on the base is the checkout's;
 * an install when there is a command whose program this machine has (`installerFound`: a checkout
 * without its folder often runs its checks with what is installed globally — uv missing must not end
 * a session whose check needs no install; the preflight says when one does); else nothing. A mode
 * the user confirmed for the repository wins where it can apply ("mine" needs the folder).
 */
export function chooseMode(
  found: DetectedDependencies | null,
  remembered: DependencyMode | null,
  installerFound = true,
): SessionEnvironment['mode'] {
  if (found === null || remembered === 'none') return 'none';
  if (remembered === 'mine' && found.folder !== null) return 'mine';
  if (remembered === 'install' && found.installCommand !== null) return 'install';
  if (found.folder !== null && found.lockSameOnBase) return 'mine';
  return found.installCommand !== null && installerFound ? 'install' : 'none';
}

/** The install command's program (its first word) is an executable on this process's PATH. */
export function installerOnPath(found: DetectedDependencies | null, searchPath: string = process.env['PATH'] ?? ''): boolean {
  const program = found?.installCommand?.split(' ')[0];
  if (program === undefined || program === '') return false;
  return searchPath
    .split(path.delimiter)
    .filter((dir) => path.isAbsolute(dir))
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, program), fs.constants.X_OK);
        return fs.statSync(path.join(dir, program)).isFile();
      } catch {
        return false;
      }
    });
}

export async function decideEnvironment(
  repoRoot: string,
  baseCommit: string,
  remembered: DependencyMode | null,
): Promise<SessionEnvironment> {
  const found = await detectDependencies(repoRoot, baseCommit);
  const mode = chooseMode(found, remembered, installerOnPath(found));
  return {
    ecosystem: found?.ecosystem ?? null,
    mode,
    folder: mode === 'mine' ? (found?.folder ?? null) : (found?.folderName ?? null),
    command: mode === 'install' ? (found?.installCommand ?? null) : (found?.reinstallCommand ?? null),
    manifests: [...(found?.manifests ?? [])],
    line: environmentLine(mode, found),
  };
}

/** The package manager's shared cache, writable for installs (so a second worktree installs from it). */
function sharedCacheDirs(ecosystem: string | null): string[] {
  const home = os.homedir();
  const byEcosystem: Partial<Record<Ecosystem, string>> = {
    npm: process.env.npm_config_cache ?? path.join(home, '.npm'),
    pnpm: path.join(home, '.local', 'share', 'pnpm'),
    yarn: path.join(home, '.cache', 'yarn'),
    uv: path.join(home, '.cache', 'uv'),
    pip: path.join(home, '.cache', 'pip'),
  };
  const dir = ecosystem !== null ? byEcosystem[ecosystem as Ecosystem] : undefined;
  if (dir === undefined) return [];
  try {
    fs.mkdirSync(dir, { recursive: true });
    return [dir];
  } catch {
    return []; // an unwritable home: the install runs without a shared cache
  }
}

/**
 * Go's build cache for checks: the app's own, shared by sessions and kept between them (a cold cache
 * rebuilds the standard library, minutes on a loaded machine), never the user's ~/.cache/go-build —
 * a check could plant entries there that the user's own builds would trust; here a planted entry can
 * only reach other sandboxed checks. macOS: ~/Library/Caches; elsewhere XDG_CACHE_HOME or ~/.cache.
 */
function checksGoCache(): string | null {
  const home = os.homedir();
  const base =
    process.platform === 'darwin' ? path.join(home, 'Library', 'Caches') : (process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'));
  const dir = path.join(base, 'mlx-factory', 'go-build');
  try {
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return null; // the run's private cache (run-sandboxed.ts) then
  }
}

/** The install as a setup step (logged `setup.*`); true when it exited 0. */
async function installInWorktree(
  worktree: string,
  command: string,
  ecosystem: string | null,
  log: SessionLog,
  signal: AbortSignal,
): Promise<boolean> {
  const result = await runWorkspaceSetup(worktree, command, log, signal, undefined, sharedCacheDirs(ecosystem));
  return result.exitCode === 0 && !result.timedOut;
}

/**
 * Sets the worktree up for the chosen mode before the first check (the view for "mine", the install
 * for "install") and returns the check runner that every check of the session goes through.
 */
export class EnvironmentRunner {
  private views: DependencyView[] = [];
  /** The manifest paths' state at the last install (so one change installs once). */
  private installedFor: string | null = null;

  constructor(
    readonly environment: SessionEnvironment,
    private readonly at: { repoRoot: string; git: WorktreeGit; baseCommit: string },
    private readonly log: SessionLog,
    private readonly signal: AbortSignal,
  ) {}

  /** false: the install failed (the reason is in the log). */
  async prepare(fresh: boolean): Promise<{ ok: true } | { ok: false; reason: string }> {
    const worktree = this.at.git.workTree;
    if (this.environment.mode === 'mine' && this.environment.folder !== null) {
      // macOS links the entries into the worktree: only where git ignores the folder there (Linux binds at check time).
      const ignoredByGit = process.platform === 'darwin' && (await ignoredInWorktree(this.at.git, this.environment.folder));
      const view = prepareDependencyView({ repoRoot: this.at.repoRoot, worktree, ignoredByGit }, this.environment.folder);
      if (view !== null) this.views.push(view);
    }
    if (fresh && this.environment.mode === 'install' && this.environment.command !== null) {
      const ok = await installInWorktree(worktree, this.environment.command, this.environment.ecosystem, this.log, this.signal);
      if (!ok) return { ok: false, reason: `Installing the dependencies (\`${this.environment.command}\`) failed; see the setup output.` };
    }
    return { ok: true };
  }

  readonly runCheck = (base: CheckRunner): CheckRunner => {
    return async (request) => {
      await this.installIfManifestChanged();
      const binds = viewBinds(this.views);
      const withViews = binds.length > 0 ? { ...request, readOnlyViews: binds } : request;
      const goCache = this.environment.ecosystem === 'go' ? checksGoCache() : null;
      return base(
        goCache === null
          ? withViews
          : { ...withViews, env: { ...withViews.env, GOCACHE: goCache }, writableDirs: [...(withViews.writableDirs ?? []), goCache] },
      );
    };
  };

  /** The session changed package.json or its lockfile: its own install in the worktree, once per change. */
  private async installIfManifestChanged(): Promise<void> {
    if (this.environment.manifests.length === 0 || this.environment.command === null) return;
    const changed = (await changedPaths(this.at.git, this.at.baseCommit, 'HEAD')).filter((p) => this.environment.manifests.includes(p));
    if (changed.length === 0) return;
    // The blobs the branch holds now (git reads the commit, never the worktree's files).
    const listed = await runGit(['ls-tree', 'HEAD', '--', ...changed.map((p) => `:(literal)${p}`)], gitPlace(this.at.git));
    const state = listed.stdout;
    if (state === this.installedFor) return;
    this.installedFor = state;
    for (const view of this.views) removeDependencyView(view);
    this.views = [];
    await installInWorktree(this.at.git.workTree, this.reinstallCommand(), this.environment.ecosystem, this.log, this.signal);
  }

  /** After a manifest change a lockfile may no longer match: the command that updates it. */
  private reinstallCommand(): string {
    const command = (this.environment.command ?? '')
      .replace(/^npm ci\b/, 'npm install')
      .replace(/ --frozen-lockfile\b/, '')
      .replace(/ --frozen\b/, '');
    // The manifest is now the model's: its install scripts (postinstall…) would run generated code
    // with the network. npm, pnpm and yarn can skip them; pip and bundler cannot (said in SECURITY.md).
    return /^(npm|pnpm|yarn) /.test(command) ? `${command} --ignore-scripts` : command;
  }
}
