import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The Hugging Face hub cache, read the way huggingface_hub lays it out:
 *   <cache>/models--<org>--<name>/refs/main            the commit the "main" ref points at
 *   <cache>/models--<org>--<name>/snapshots/<commit>/  the files, symlinks into ../../blobs
 *   <cache>/models--<org>--<name>/blobs/               the content, once per version
 */

/** Where huggingface_hub looks, with its precedence: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG cache. */
export function hfCacheDir(env: NodeJS.ProcessEnv = process.env, homedir: string = os.homedir()): string {
  const explicit = env['HF_HUB_CACHE'] || env['HUGGINGFACE_HUB_CACHE'];
  if (explicit) return path.resolve(explicit.replace(/^~(?=\/|$)/, homedir));
  if (env['HF_HOME']) return path.join(path.resolve(env['HF_HOME'].replace(/^~(?=\/|$)/, homedir)), 'hub');
  const xdg = env['XDG_CACHE_HOME'] || path.join(homedir, '.cache');
  return path.join(xdg, 'huggingface', 'hub');
}

export function repoFolderName(repoId: string): string {
  return `models--${repoId.replace(/\//g, '--')}`;
}

export function repoIdFromFolder(folder: string): string | null {
  if (!folder.startsWith('models--')) return null;
  return folder.slice('models--'.length).replace(/--/g, '/');
}

/** The snapshot folder "main" points at (or the newest snapshot when refs/main is missing). */
export function snapshotDir(cacheDir: string, repoId: string): string | null {
  const repoDir = path.join(cacheDir, repoFolderName(repoId));
  try {
    const commit = fs.readFileSync(path.join(repoDir, 'refs', 'main'), 'utf8').trim();
    const dir = path.join(repoDir, 'snapshots', commit);
    if (fs.existsSync(dir)) return dir;
  } catch {
    // no refs/main: fall through
  }
  try {
    const snapshots = fs
      .readdirSync(path.join(repoDir, 'snapshots'))
      .map((name) => path.join(repoDir, 'snapshots', name))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    return snapshots[0] ?? null;
  } catch {
    return null;
  }
}

/** Size on disk of a cached repo: its blobs, each counted once. */
export function cachedRepoBytes(cacheDir: string, repoId: string): number {
  return directoryBytes(path.join(cacheDir, repoFolderName(repoId), 'blobs'));
}

/** Sum of file sizes under `dir`, following symlinks to files (a snapshot's files are symlinks). */
export function directoryBytes(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    try {
      if (entry.isDirectory()) total += directoryBytes(full);
      else {
        const stat = fs.statSync(full);
        if (stat.isFile()) total += stat.size;
      }
    } catch {
      // a dangling link (an interrupted download): nothing on disk
    }
  }
  return total;
}

export function listCachedRepos(cacheDir: string): string[] {
  try {
    return fs
      .readdirSync(cacheDir)
      .map(repoIdFromFolder)
      .filter((id): id is string => id !== null)
      .sort();
  } catch {
    return [];
  }
}
