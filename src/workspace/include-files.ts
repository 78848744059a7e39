import fs from 'node:fs';
import path from 'node:path';
import { lstatIfPresent } from './lstat-if-present.js';

/**
 * workspace.include: copies files the repository ignores (`.env`, local certificates, a seeded
 * database) from the user's checkout into a new worktree, which git alone would leave without them
 * (Conductor's `.worktreeinclude`). Entries are paths relative to the repository root; a segment may use
 * `*` and `?`, and a whole segment `**` matches any depth. Nothing already in the worktree is
 * overwritten (tracked files come from the session's base commit, not from the user's edits), and
 * nothing outside the repository is read.
 */
export interface IncludeResult {
  /** Relative paths copied (a directory counts once). */
  readonly copied: string[];
  /** Entries that matched nothing (or were refused), as written in the config. */
  readonly missing: string[];
}

export function copyIncludedFiles(repoRoot: string, worktree: string, patterns: readonly string[]): IncludeResult {
  const copied = new Set<string>();
  const missing: string[] = [];
  for (const pattern of patterns) {
    const segments = normalisePattern(pattern);
    if (segments === null) {
      missing.push(pattern);
      continue;
    }
    const matches = expand(repoRoot, segments).filter(
      (rel) => rel !== '.git' && !rel.startsWith('.git/') && isCopyable(path.join(repoRoot, rel)),
    );
    if (matches.length === 0) missing.push(pattern);
    for (const rel of matches) {
      const target = path.join(worktree, rel);
      if (fs.existsSync(target)) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // Links are copied as links (never followed); FIFOs, sockets and devices are left out (a FIFO would block the copy).
      fs.cpSync(path.join(repoRoot, rel), target, {
        recursive: true,
        force: false,
        errorOnExist: false,
        verbatimSymlinks: true,
        preserveTimestamps: true,
        filter: isCopyable,
      });
      copied.add(rel);
    }
  }
  return { copied: [...copied].sort(), missing };
}

/** Splits a pattern into segments; null for one that would leave the repository. */
export function normalisePattern(pattern: string): string[] | null {
  const trimmed = pattern
    .trim()
    .replace(/\\/g, '/')
    .replace(/^\.\/+/, '')
    .replace(/\/+$/, '');
  if (trimmed === '' || path.posix.isAbsolute(trimmed) || /^[A-Za-z]:/.test(trimmed)) return null;
  const segments = trimmed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  return segments;
}

export function segmentMatcher(segment: string): (name: string) => boolean {
  if (!/[*?]/.test(segment)) return (name) => name === segment;
  const source = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/** Relative paths under `root` matching the segments. */
function expand(root: string, segments: readonly string[]): string[] {
  const results = new Set<string>();
  const visit = (rel: string, index: number): void => {
    if (index === segments.length) {
      if (rel !== '') results.add(rel);
      return;
    }
    const segment = segments[index] ?? '';
    if (segment === '**') {
      visit(rel, index + 1);
      for (const entry of readDir(path.join(root, rel))) {
        if (entry.isDirectory() && entry.name !== '.git') visit(path.posix.join(rel, entry.name), index);
      }
      return;
    }
    if (!/[*?]/.test(segment)) {
      const next = rel === '' ? segment : path.posix.join(rel, segment);
      if (fs.existsSync(path.join(root, next)) || isSymlink(path.join(root, next))) visit(next, index + 1);
      return;
    }
    const matches = segmentMatcher(segment);
    for (const entry of readDir(path.join(root, rel))) {
      if (matches(entry.name)) visit(rel === '' ? entry.name : path.posix.join(rel, entry.name), index + 1);
    }
  };
  visit('', 0);
  return [...results].sort();
}

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function isCopyable(source: string): boolean {
  const stat = lstatIfPresent(source);
  return stat !== undefined && (stat.isFile() || stat.isDirectory() || stat.isSymbolicLink());
}
