import fs from 'node:fs';
import path from 'node:path';

/**
 * Before a pull writes, every folder it writes through must be a real folder of the cache, not a
 * link: `<cache>/.locks` made a link would put lock files (and `models rm` its deletions) wherever it
 * points. The cache folder itself may be a link (a cache moved to another disk is the user's
 * choice); below it, nothing may be. Returns the first offending path, or null.
 */
export function linkInCacheLayout(cacheDir: string, repoFolder: string, commit: string, blobNames: readonly string[]): string | null {
  const repoDir = path.join(cacheDir, repoFolder);
  const folders = [
    path.join(cacheDir, '.locks'),
    path.join(cacheDir, '.locks', repoFolder),
    repoDir,
    path.join(repoDir, 'blobs'),
    path.join(repoDir, 'refs'),
    path.join(repoDir, 'snapshots'),
    path.join(repoDir, 'snapshots', commit),
  ];
  for (const folder of folders) {
    const kind = kindOf(folder);
    if (kind !== 'missing' && kind !== 'dir') return folder;
  }
  for (const name of blobNames) {
    for (const file of [path.join(repoDir, 'blobs', name), path.join(repoDir, 'blobs', `${name}.incomplete`)]) {
      const kind = kindOf(file);
      if (kind !== 'missing' && kind !== 'file') return file;
    }
  }
  return null;
}

function kindOf(file: string): 'missing' | 'dir' | 'file' | 'other' {
  try {
    const stat = fs.lstatSync(file);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}
