import fs from 'node:fs';
import path from 'node:path';
import { runGit } from './git/run-git.js';
import { gitPlace, type WorktreeGit } from './git/worktree-git.js';
import { lstatIfPresent } from './lstat-if-present.js';

/**
 * "Use mine" (#22): the user's ignored dependency folder (node_modules, .venv, vendor/bundle) made
 * visible at the same path inside a session's worktree, read-only, never copied.
 *
 * - Linux: an empty folder in the worktree is the mount point; bubblewrap binds the user's folder
 *   read-only over it for each check (`--ro-bind`, see bwrap-args.ts). Outside a check the worktree
 *   holds only that empty folder, so host-side reads and git see nothing of the user's files.
 * - macOS (sandbox-exec cannot bind): a real folder at that path holding one symbolic link per entry
 *   of the user's folder (`node_modules/left-pad` → the checkout's `node_modules/left-pad`). The
 *   Seatbelt profile allows writes only inside the worktree and the run's temp dir, and a write
 *   through a link is checked against the link's target, so the check cannot write into the user's
 *   folder. Host-side file access is lstat-first and follows no link out of the worktree
 *   (worktree-files.ts). Git never sees the links: the folder is a real directory that the
 *   repository's own ignore rule (`node_modules/`, checked in the worktree first: `ignoredByGit`)
 *   covers, so no `git add --all` (the uncommitted-work snapshot before a rollback) stages them.
 *   Nothing is written to any exclude file: git reads `info/exclude` only from the common dir — the
 *   user's own `.git/info/exclude`, which is theirs — and never from a worktree's admin dir.
 *
 * Only a path where the worktree has nothing yet is used (or our own links from an earlier prepare);
 * anything else already there (the session's own install, a file the repository tracks) is left
 * alone and the view is not made.
 */
export interface DependencyView {
  readonly source: string;
  readonly target: string;
}

export function prepareDependencyView(
  at: {
    repoRoot: string;
    worktree: string;
    /** The repository's ignore rules cover `folder/` in this worktree (see ignoredInWorktree); macOS needs it. */
    ignoredByGit: boolean;
  },
  folder: string,
  platform = process.platform,
): DependencyView | null {
  const { repoRoot, worktree } = at;
  const source = path.join(repoRoot, folder);
  const target = path.join(worktree, folder);
  const parent = path.dirname(target);
  // Every folder on the way inside the worktree must be real (no link a check planted).
  for (let at = parent; at.startsWith(`${worktree}${path.sep}`); at = path.dirname(at)) {
    const stat = lstatIfPresent(at);
    if (stat !== undefined && !stat.isDirectory()) return null;
  }
  const existing = lstatIfPresent(target);
  if (platform === 'darwin') {
    // A single link at the folder's path: made by an earlier version (which listed it in the user's exclude file).
    if (existing?.isSymbolicLink() === true) return fs.readlinkSync(target) === source ? { source, target } : null;
    if (!at.ignoredByGit) return null; // git would see the links: no view (the preflight names the fix)
    if (existing !== undefined && !existing.isDirectory()) return null;
    return linkEntries(source, target) ? { source, target } : null;
  }
  if (existing === undefined) fs.mkdirSync(target, { recursive: true });
  else if (!existing.isDirectory() || existing.isSymbolicLink() || fs.readdirSync(target).length > 0) return null;
  return { source, target };
}

/**
 * macOS: `target` (made if missing) gets a link to each entry of `source` it lacks. false when it
 * holds anything but our own links (the session's install, say): it is then left as it is.
 */
function linkEntries(source: string, target: string): boolean {
  const sourceStat = lstatIfPresent(source);
  if (sourceStat === undefined || sourceStat.isSymbolicLink() || !sourceStat.isDirectory()) return false;
  fs.mkdirSync(target, { recursive: true });
  for (const name of fs.readdirSync(target)) if (!isOurLink(source, target, name)) return false;
  for (const name of fs.readdirSync(source)) {
    if (lstatIfPresent(path.join(target, name)) === undefined) fs.symlinkSync(path.join(source, name), path.join(target, name));
  }
  return true;
}

function isOurLink(source: string, target: string, name: string): boolean {
  const full = path.join(target, name);
  return lstatIfPresent(full)?.isSymbolicLink() === true && fs.readlinkSync(full) === path.join(source, name);
}

/** The worktree's own ignore rules (its .gitignore files, the repository's and the user's excludes) cover `folder/`. */
export async function ignoredInWorktree(git: WorktreeGit, folder: string): Promise<boolean> {
  const checked = await runGit(['check-ignore', '--quiet', '--no-index', '--', `${folder}/`], {
    ...gitPlace(git),
    expectedExitCodes: [0, 1, 128],
  });
  return checked.exitCode === 0;
}

/**
 * Before installing in the worktree (the session changed the manifest): the view goes, so the install
 * writes the worktree's own folder. On Linux the mount point is an empty folder the install fills; on
 * macOS our links are removed (never their targets), leaving the folder for the install.
 */
export function removeDependencyView(view: DependencyView): void {
  const stat = lstatIfPresent(view.target);
  if (stat === undefined) return;
  if (stat.isSymbolicLink()) {
    fs.unlinkSync(view.target);
    return;
  }
  if (!stat.isDirectory()) return;
  for (const name of fs.readdirSync(view.target))
    if (isOurLink(view.source, view.target, name)) fs.unlinkSync(path.join(view.target, name));
}

/** The bubblewrap binds for a check: only where the sandbox binds (Linux); macOS uses the links. */
export function viewBinds(views: readonly DependencyView[], platform = process.platform): DependencyView[] {
  return platform === 'darwin' ? [] : [...views];
}
