import { execFileSync } from 'node:child_process';
import type { FileChange } from './reply-shapes.js';

/**
 * Real commits as changes to replay: for each non-merge commit, its added and modified text files
 * grouped by language (one reply per group), with the content before and after. Deleted files, links,
 * submodules, binary or non-UTF-8 files and files over MAX_FILE_BYTES are left out (a reply cannot
 * express them); a group of more than MAX_GROUP_FILES files is left out whole. Deterministic for a
 * given repository state.
 */
export interface CommitGroup {
  readonly id: string;
  readonly language: string;
  readonly changes: readonly FileChange[];
  /** The files tracked before the commit. */
  readonly tracked: readonly string[];
}

const MAX_FILE_BYTES = 64 * 1024;
const MAX_GROUP_FILES = 6;

const LANGUAGES: readonly [RegExp, string][] = [
  [/\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/i, 'TypeScript/JavaScript'],
  [/\.(?:md|markdown)$/i, 'Markdown'],
  [/\.rst$/i, 'reST'],
  [/\.ya?ml$/i, 'YAML'],
  [/\.json$/i, 'JSON'],
  [/\.(?:py|pyi)$/i, 'Python'],
  [/\.go$/i, 'Go'],
  [/\.rs$/i, 'Rust'],
  [/\.toml$/i, 'TOML'],
];

export function languageOf(file: string): string {
  return LANGUAGES.find(([pattern]) => pattern.test(file))?.[1] ?? 'other';
}

/** `gitDir` is a repository's git directory (a bare mirror, or a checkout's `.git`). */
export function commitGroups(gitDir: string, name: string, maxCommits: number): CommitGroup[] {
  const git = (...args: string[]): string =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const commits = git('log', '--no-merges', `-n${maxCommits}`, '--format=%H %P', 'HEAD')
    .trim()
    .split('\n')
    .filter((l) => l !== '');
  const groups: CommitGroup[] = [];
  for (const line of commits) {
    const [commit = '', parent] = line.split(' ');
    if (parent === undefined) continue; // the root commit: nothing to edit yet
    const raw = git('diff-tree', '-r', '--no-renames', '-z', '--raw', parent, commit);
    const changed = parseRaw(raw);
    const byLanguage = new Map<string, FileChange[]>();
    for (const c of changed) {
      const after = blobText(gitDir, c.newBlob);
      const before = c.status === 'A' ? null : blobText(gitDir, c.oldBlob);
      if (after === undefined || before === undefined) continue;
      const language = languageOf(c.path);
      byLanguage.set(language, [...(byLanguage.get(language) ?? []), { path: c.path, before, after }]);
    }
    const tracked =
      byLanguage.size === 0
        ? []
        : git('ls-tree', '-r', '--name-only', '-z', parent)
            .split('\0')
            .filter((f) => f !== '');
    for (const [language, changes] of [...byLanguage].sort(([a], [b]) => a.localeCompare(b))) {
      if (changes.length > MAX_GROUP_FILES) continue;
      groups.push({ id: `${name}@${commit.slice(0, 10)}/${language}`, language, changes, tracked });
    }
  }
  return groups;
}

interface RawChange {
  readonly status: string;
  readonly path: string;
  readonly oldBlob: string;
  readonly newBlob: string;
}

/** `git diff-tree -z --raw`: added and modified regular files only. */
function parseRaw(raw: string): RawChange[] {
  const fields = raw.split('\0');
  const out: RawChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i] ?? '';
    const file = fields[i + 1] ?? '';
    const [oldMode = '', newMode = '', oldBlob = '', newBlob = '', status = ''] = meta.replace(/^:/, '').split(' ');
    const regular = (mode: string): boolean => mode === '100644' || mode === '100755';
    if (status === 'A' && regular(newMode)) out.push({ status, path: file, oldBlob, newBlob });
    else if (status === 'M' && regular(oldMode) && regular(newMode)) out.push({ status, path: file, oldBlob, newBlob });
  }
  return out;
}

/** A blob as text, or undefined when it is too large, binary or not UTF-8. */
function blobText(gitDir: string, blob: string): string | undefined {
  const bytes = execFileSync('git', ['--git-dir', gitDir, 'cat-file', 'blob', blob], { maxBuffer: 256 * 1024 * 1024 });
  if (bytes.length > MAX_FILE_BYTES || bytes.includes(0)) return undefined;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}
