import fs from 'node:fs';

/**
 * lstat, with "nothing there" as undefined. A path through a file (`main.py/x`, `.git/config` where
 * `.git` is a worktree's pointer file) fails with ENOTDIR, not ENOENT; `throwIfNoEntry: false` covers
 * only the latter, so the former used to escape as "Unexpected error: ENOTDIR" and end the session.
 * Both mean the same to a caller: there is no such file.
 */
export function lstatIfPresent(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
