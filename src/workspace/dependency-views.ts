import fs from 'node:fs';
import path from 'node:path';
import { lstatIfPresent } from './lstat-if-present.js';

/**
 * "Use mine" (#22): the user's ignored dependency folder (node_modules, .venv, vendor/bundle) made
 * visible at the same path inside a session's worktree, read-only, never copied.
 *
 * - Linux: an empty folder in the worktree is the mount point; bubblewrap binds the user's folder
 *   read-only over it for each check (`--ro-bind`, see bwrap-args.ts). Outside a check the worktree
 *   holds only that empty folder, so host-side reads and git see nothing of the user's files.
 * - macOS (sandbox-exec cannot bind): a symbolic link at that path to the user's folder. The Seatbelt
 *   profile allows writes only inside the worktree and the run's temp dir, and a write through a link
 *   is checked against the link's target, so the check cannot write into the user's folder. Host-side
 *   file access is lstat-first and follows no link out of the worktree (worktree-files.ts), and git
 *   stores a link as a link, never its target. The repository's `node_modules/` rule matches folders
 *   only, not a link of that name, so the link is listed in the repository's exclude file
 *   (`info/exclude` of the common git dir: git reads no per-worktree one) as `/node_modules`, which no
 *   `git add --all` (the uncommitted-work snapshot before a rollback) then stages.
 *
 * Only a path where the worktree has nothing yet is used; anything already there (the session's own
 * install, a file the repository tracks) is left alone and the view is not made.
 */
export interface DependencyView {
  readonly source: string;
  readonly target: string;
}

export function prepareDependencyView(
  at: { repoRoot: string; worktree: string; commonDir: string },
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
    if (existing !== undefined) return existing.isSymbolicLink() && fs.readlinkSync(target) === source ? { source, target } : null;
    fs.mkdirSync(parent, { recursive: true });
    if (!excludeFromGit(at.commonDir, folder)) return null;
    fs.symlinkSync(source, target, 'dir');
    return { source, target };
  }
  if (existing === undefined) fs.mkdirSync(target, { recursive: true });
  else if (!existing.isDirectory() || existing.isSymbolicLink() || fs.readdirSync(target).length > 0) return null;
  return { source, target };
}

const EXCLUDE_MARK = '# mlx-factory: dependency views of session worktrees (read-only links to your folders)';

/** `/folder` in the common dir's info/exclude (once); false when that file is not a plain file we can write. */
function excludeFromGit(commonDir: string, folder: string): boolean {
  const info = path.join(commonDir, 'info');
  const infoStat = lstatIfPresent(info);
  if (infoStat !== undefined && (infoStat.isSymbolicLink() || !infoStat.isDirectory())) return false;
  if (infoStat === undefined) fs.mkdirSync(info);
  const file = path.join(info, 'exclude');
  const stat = lstatIfPresent(file);
  if (stat !== undefined && (stat.isSymbolicLink() || !stat.isFile())) return false;
  const text = stat === undefined ? '' : fs.readFileSync(file, 'utf8');
  const line = `/${folder}`;
  if (text.split('\n').includes(line)) return true;
  const block = text.includes(EXCLUDE_MARK) ? `${line}\n` : `${EXCLUDE_MARK}\n${line}\n`;
  fs.appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${block}`);
  return true;
}

/**
 * Before installing in the worktree (the session changed the manifest): the view goes, so the install
 * writes the worktree's own folder. On Linux the mount point is an empty folder the install fills; on
 * macOS the link is removed (never its target).
 */
export function removeDependencyView(view: DependencyView): void {
  const stat = lstatIfPresent(view.target);
  if (stat?.isSymbolicLink() === true) fs.unlinkSync(view.target);
}

/** The bubblewrap binds for a check: only where the sandbox binds (Linux); macOS uses the link. */
export function viewBinds(views: readonly DependencyView[], platform = process.platform): DependencyView[] {
  return platform === 'darwin' ? [] : [...views];
}
