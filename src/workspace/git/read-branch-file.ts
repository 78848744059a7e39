import fs from 'node:fs';
import path from 'node:path';

/**
 * Where a branch points, read straight from the ref files of a common git dir — for watching refs
 * often and cheaply (src/host/session-ref-watch.ts), without spawning git. Read-only and lstat-first:
 * every folder on the way must be a real folder and the ref file a small regular file, so a link
 * never leads the read out of the git dir. The loose file wins over `packed-refs`, as in git.
 *
 * `null`: the branch does not exist. `'reftable'`: the repository keeps no ref files (ask git,
 * read-ref.ts). `undefined`: refused — a link, a symbolic ref or something else odd on the way.
 */
const MAX_REF_FILE = 4096;
const MAX_PACKED_REFS = 64 * 1024 * 1024;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

export function readBranchFromFiles(commonDir: string, branch: string): string | null | 'reftable' | undefined {
  const parts = branch.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) return undefined;
  if (lstatOrNull(path.join(commonDir, 'reftable'))?.isDirectory() === true) return 'reftable';
  const loose = readLoose(commonDir, ['refs', 'heads', ...parts]);
  if (loose !== null) return loose;
  return readPacked(commonDir, `refs/heads/${branch}`);
}

/** The loose ref's sha, null when there is no such file, undefined when it is not a plain ref file. */
function readLoose(commonDir: string, parts: readonly string[]): string | null | undefined {
  let at = commonDir;
  for (const [i, part] of parts.entries()) {
    at = path.join(at, part);
    const stat = lstatOrNull(at);
    if (stat === null) return null;
    const last = i === parts.length - 1;
    if (stat.isSymbolicLink()) return undefined;
    if (!last && !stat.isDirectory()) return null; // a file where a folder would be: no such ref
    if (last && stat.isDirectory()) return null;
    if (last && (!stat.isFile() || stat.size > MAX_REF_FILE)) return undefined;
  }
  const text = readNoFollow(at, MAX_REF_FILE);
  if (text === undefined) return undefined;
  const value = text.trim();
  return SHA.test(value) ? value : undefined; // `ref: …` (symbolic) or garbage: git decides
}

function readPacked(commonDir: string, ref: string): string | null | undefined {
  const file = path.join(commonDir, 'packed-refs');
  const stat = lstatOrNull(file);
  if (stat === null) return null;
  if (!stat.isFile() || stat.size > MAX_PACKED_REFS) return undefined;
  const text = readNoFollow(file, MAX_PACKED_REFS);
  if (text === undefined) return undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref) {
      const sha = line.slice(0, space);
      return SHA.test(sha) ? sha : undefined;
    }
  }
  return null;
}

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch {
    return null;
  }
}

/** Opened with O_NOFOLLOW (a link swapped in after the lstat is refused), at most `max` bytes. */
function readNoFollow(file: string, max: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > max) return undefined;
    const bytes = fs.readFileSync(fd);
    return bytes.length > max ? undefined : bytes.toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
