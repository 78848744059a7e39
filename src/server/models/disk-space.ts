import fs from 'node:fs';
import path from 'node:path';

/**
 * Bytes an unprivileged process may still write on the filesystem holding `dir` (statfs's bavail),
 * asked of the nearest folder that exists: the cache may not have been made yet.
 */
export async function freeBytesAt(dir: string): Promise<number> {
  let probe = path.resolve(dir);
  for (;;) {
    try {
      const stats = await fs.promises.statfs(probe);
      return stats.bavail * stats.bsize;
    } catch (error) {
      const parent = path.dirname(probe);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === probe) throw error;
      probe = parent;
    }
  }
}
