import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FolderListing } from '../api/payloads.js';
import { FactoryError } from '../errors/factory-error.js';

/** More than anyone scrolls through in a picker; the rest is said to be left out. */
const MAX_FOLDERS = 1000;

/** System folders a person never keeps a repository in: hidden unless asked, like dot-folders. */
const HIDDEN_AT_ROOT: ReadonlySet<string> = new Set([
  'bin',
  'boot',
  'cores',
  'dev',
  'etc',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'lost+found',
  'private',
  'proc',
  'run',
  'sbin',
  'sys',
  'System',
  'usr',
  'var',
]);
const HIDDEN_IN_HOME: ReadonlySet<string> = new Set(['Library']);

function hiddenName(name: string, parent: string, home: string): boolean {
  if (name.startsWith('.')) return true;
  if (parent === path.parse(parent).root) return HIDDEN_AT_ROOT.has(name);
  return parent === home && HIDDEN_IN_HOME.has(name);
}

/**
 * The subfolders of a folder on the host, for the New session folder browser (a browser cannot
 * show the host's folders). lstat-first: the folder asked for must be a real folder (a link is
 * refused, not followed), entries that are links are left out so the browser never leads out
 * through one, and nothing is read but names and whether a `.git` is there.
 */
export function listFolders(request: { path?: string | undefined; showHidden?: boolean }, home = os.homedir()): FolderListing {
  const folder = path.resolve(request.path ?? home);
  const stat = fs.lstatSync(folder, { throwIfNoEntry: false });
  if (stat === undefined) throw new FactoryError('REPO_NOT_FOUND', `${folder} does not exist.`);
  if (stat.isSymbolicLink()) throw new FactoryError('PATH_REFUSED', `${folder} is a link; open the folder it points to instead.`);
  if (!stat.isDirectory()) throw new FactoryError('REPO_IS_FILE', `${folder} is not a folder.`);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    throw new FactoryError('PATH_REFUSED', `Cannot read ${folder}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const shown = entries
    .filter((e) => e.isDirectory() && (request.showHidden === true || !hiddenName(e.name, folder, home)))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }));
  const folders = shown.slice(0, MAX_FOLDERS).map((e) => {
    const full = path.join(folder, e.name);
    // A repository has .git (a folder, or a worktree's pointer file); a link named .git is not trusted.
    const git = fs.lstatSync(path.join(full, '.git'), { throwIfNoEntry: false });
    return { name: e.name, path: full, repo: git !== undefined && (git.isDirectory() || git.isFile()) };
  });
  const parent = path.dirname(folder);
  return { path: folder, parent: parent === folder ? null : parent, home, folders, omitted: shown.length - folders.length };
}
