import fs from 'node:fs';
import path from 'node:path';
import { lstatIfPresent } from './lstat-if-present.js';

/**
 * Host-side file access inside a session worktree. Our code runs unsandboxed, and the worktree holds
 * whatever the last check left there, so every access is lstat-first:
 * - no path leaves the root as text (absolute, `..`);
 * - a write never goes through a symbolic link (a dangling `prof.txt -> ~/.bash_profile` would
 *   otherwise create the user's file), and a read follows one only when it ends inside the root;
 * - FIFOs, sockets and devices are refused before they are opened (opening a FIFO blocks forever),
 *   and every open is O_NOFOLLOW | O_NONBLOCK with an fstat check, so a swap between lstat and open
 *   fails instead of being followed;
 * - reads are capped.
 * Refusals are values with a reason the Coder (or the user) can act on, not exceptions.
 */
type FileRefusalCode = 'outside' | 'missing' | 'link' | 'special' | 'directory' | 'too-large';

export interface FileRefusal {
  readonly ok: false;
  readonly code: FileRefusalCode;
  readonly reason: string;
}

export interface FileRead {
  readonly ok: true;
  readonly content: Buffer;
  /** The file's size on disk (content is cut at the cap when larger). */
  readonly size: number;
  readonly truncated: boolean;
}

const DEFAULT_READ_CAP = 4 * 1024 * 1024;

const OPEN_READ = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const OPEN_WRITE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** Reads `rel` under `root` (`maxBytes` at most). `cap: 'refuse'` refuses a larger file instead of cutting it. */
export function readWorktreeFile(
  root: string,
  rel: string,
  options: { maxBytes?: number; overCap?: 'truncate' | 'refuse' } = {},
): FileRead | FileRefusal {
  const located = locateForRead(root, rel);
  if (!located.ok) return located;
  const maxBytes = options.maxBytes ?? DEFAULT_READ_CAP;
  let fd: number;
  try {
    fd = fs.openSync(located.file, OPEN_READ);
  } catch (error) {
    return refusalFromOpen(rel, error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) return refuse('directory', `${rel} is a folder, not a file`);
    if (!stat.isFile()) return refuse('special', `${rel} is not a regular file (a FIFO, socket or device); it is not read`);
    if (stat.size > maxBytes && options.overCap === 'refuse') {
      return refuse('too-large', `${rel} is ${stat.size} bytes, over the ${maxBytes}-byte limit for this`);
    }
    const want = Math.min(stat.size, maxBytes);
    const buffer = Buffer.alloc(want);
    let read = 0;
    while (read < want) {
      const n = fs.readSync(fd, buffer, read, want - read, read);
      if (n === 0) break;
      read += n;
    }
    return { ok: true, content: buffer.subarray(0, read), size: stat.size, truncated: stat.size > read };
  } finally {
    fs.closeSync(fd);
  }
}

/** UTF-8 text, or a refusal; binary content (a NUL byte) is refused as `special`. */
export function readWorktreeText(
  root: string,
  rel: string,
  options: { maxBytes?: number; overCap?: 'truncate' | 'refuse' } = {},
): (FileRead & { text: string }) | FileRefusal {
  const read = readWorktreeFile(root, rel, options);
  if (!read.ok) return read;
  if (read.content.subarray(0, 8000).includes(0)) return refuse('special', `${rel} is a binary file`);
  return { ...read, text: read.content.toString('utf8') };
}

/** Writes `rel` under `root`, creating missing folders; never through a link, never onto a special file. */
export function writeWorktreeFile(root: string, rel: string, content: string | Buffer): { readonly ok: true } | FileRefusal {
  const parts = splitRelative(rel);
  if (parts === null) return refuse('outside', `${rel} is outside the worktree`);
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    const stat = lstatIfPresent(dir);
    if (stat === undefined) {
      fs.mkdirSync(dir);
      continue;
    }
    if (stat.isSymbolicLink()) return refuse('link', `${relativeOf(root, dir)} is a symbolic link; files are not written through links`);
    if (!stat.isDirectory()) return refuse('special', `${relativeOf(root, dir)} is a file, not a folder`);
  }
  const file = path.join(root, ...parts);
  const stat = lstatIfPresent(file);
  if (stat?.isSymbolicLink())
    return refuse('link', `${rel} is a symbolic link; files are not written through links (delete it first, or write its target)`);
  if (stat?.isDirectory()) return refuse('directory', `${rel} is a folder, not a file`);
  if (stat !== undefined && !stat.isFile())
    return refuse('special', `${rel} is not a regular file (a FIFO, socket or device); it is not written`);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_WRITE, 0o644);
  } catch (error) {
    return refusalFromOpen(rel, error);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return refuse('special', `${rel} is not a regular file; it is not written`);
    fs.writeFileSync(fd, content);
    return { ok: true };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes plain files and links (never a folder, never through a link): every folder on the way to
 * each path is lstat-checked to be a real folder, as for a write — the last component alone is not
 * enough, since `dir/.bashrc` with `dir -> ~` would remove the user's own file. Answers the paths it
 * refused (behind a link or a file); a path that is already gone is not one of them.
 */
export function removeWorktreeFiles(root: string, rels: readonly string[]): string[] {
  const refused: string[] = [];
  for (const rel of rels) {
    const parts = splitRelative(rel);
    if (parts === null) {
      refused.push(rel);
      continue;
    }
    let dir = root;
    let through: 'ok' | 'gone' | 'refused' = 'ok';
    for (const part of parts.slice(0, -1)) {
      dir = path.join(dir, part);
      const stat = lstatIfPresent(dir);
      if (stat === undefined) through = 'gone';
      else if (stat.isSymbolicLink() || !stat.isDirectory()) through = 'refused';
      if (through !== 'ok') break;
    }
    if (through === 'refused') refused.push(rel);
    if (through !== 'ok') continue;
    const file = path.join(root, ...parts);
    const stat = lstatIfPresent(file);
    if (stat !== undefined && (stat.isFile() || stat.isSymbolicLink())) fs.rmSync(file);
  }
  return refused;
}

type Located = { readonly ok: true; readonly file: string } | FileRefusal;

/**
 * The file to open for a read: the path itself when no component is a link; else its real path, if
 * that is still inside the root (a link within the repository, like README -> docs/README.md).
 */
function locateForRead(root: string, rel: string): Located {
  const parts = splitRelative(rel);
  if (parts === null) return refuse('outside', `${rel} is outside the worktree`);
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const stat = lstatIfPresent(current);
    if (stat === undefined) return refuse('missing', `${rel} does not exist`);
    if (stat.isSymbolicLink()) return locateThroughLink(root, rel);
  }
  return { ok: true, file: current };
}

function locateThroughLink(root: string, rel: string): Located {
  let real: string;
  try {
    real = fs.realpathSync(path.join(root, rel));
  } catch {
    return refuse('missing', `${rel} is a symbolic link to something that does not exist`);
  }
  const realRoot = fs.realpathSync(root);
  const inside = path.relative(realRoot, real);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
    return refuse('link', `${rel} is a symbolic link leading outside the worktree; it is not read`);
  }
  return { ok: true, file: real };
}

/** Path segments of a relative path that stays inside; null for absolute paths and `..`. */
function splitRelative(rel: string): string[] | null {
  if (rel === '' || path.isAbsolute(rel) || rel.includes('\0')) return null;
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..')) return null;
  return parts;
}

function refusalFromOpen(rel: string, error: unknown): FileRefusal {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return refuse('link', `${rel} is a symbolic link; it is not followed`);
  if (code === 'ENXIO') return refuse('special', `${rel} is a FIFO or socket; it is not opened`);
  if (code === 'ENOENT' || code === 'ENOTDIR') return refuse('missing', `${rel} does not exist`);
  if (code === 'EISDIR') return refuse('directory', `${rel} is a folder, not a file`);
  return refuse('special', `${rel} could not be opened (${code ?? String(error)})`);
}

function refuse(code: FileRefusalCode, reason: string): FileRefusal {
  return { ok: false, code, reason };
}

function relativeOf(root: string, p: string): string {
  return path.relative(root, p).split(path.sep).join('/');
}
