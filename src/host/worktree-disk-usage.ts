import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Bytes a worktree takes on disk, for the Cleanup view. lstat only: a symbolic link counts as
 * itself and is never followed (a check may have linked `/` into its worktree); FIFOs, sockets
 * and devices count as zero. The walk stops after `maxEntries` entries and says it is partial.
 */
export interface DiskUsage {
  readonly bytes: number;
  readonly files: number;
  readonly exists: boolean;
  /** The walk stopped at maxEntries: bytes is a lower bound. */
  readonly partial: boolean;
}

export async function worktreeDiskUsage(root: string, maxEntries = 200_000): Promise<DiskUsage> {
  const top = await fs.lstat(root).catch(() => null);
  if (top === null || !top.isDirectory()) return { bytes: 0, files: 0, exists: false, partial: false };
  let bytes = 0;
  let files = 0;
  let entries = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (++entries > maxEntries) return { bytes, files, exists: true, partial: true };
      const full = path.join(dir, name);
      const stat = await fs.lstat(full).catch(() => null);
      if (stat === null) continue;
      if (stat.isDirectory()) pending.push(full);
      else if (stat.isFile() || stat.isSymbolicLink()) {
        // The blocks it really takes (like `du`), where the filesystem says.
        bytes += stat.blocks > 0 ? stat.blocks * 512 : stat.size;
        files++;
      }
    }
  }
  return { bytes, files, exists: true, partial: false };
}
