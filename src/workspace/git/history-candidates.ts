import path from 'node:path';
import { runGit } from './run-git.js';

/**
 * Eval from history (#16): recent commits of the user's repository that change both code and its
 * tests — each can become a task whose answer is known. Merges, root commits, binary changes and
 * huge changes are not picked; neither are commits that touch no test file or no code file.
 */
export interface HistoryCandidate {
  readonly commit: string;
  readonly parent: string;
  readonly subject: string;
  /** The whole commit message: the task's description. */
  readonly message: string;
  readonly testFiles: readonly string[];
  readonly codeFiles: readonly string[];
  readonly linesChanged: number;
}

/** Bigger changes are not tasks a local model is measured on (and make slow, noisy evals). */
const MAX_FILES = 20;
const MAX_LINES = 600;

const CODE_EXTENSIONS = new Set([
  'py', 'js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'mts', 'cts', 'go', 'rs', 'rb', 'java', 'kt', 'scala', 'swift',
  'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'php', 'sh', 'bash', 'lua', 'ex', 'exs', 'erl', 'hs', 'ml', 'clj', 'dart', 'zig', 'nim', 'jl', 'r',
]); // prettier-ignore

/** Test files by the usual conventions: a tests folder, test_*.py, *_test.go/py, *.test.ts, *.spec.js, *Test.java … */
export function isTestFile(file: string): boolean {
  const lower = file.toLowerCase();
  const base = path.posix.basename(lower);
  if (/(^|\/)(tests?|__tests__|specs?|testing)\//.test(lower)) return true;
  return (
    /^test_.+\.py$/.test(base) ||
    /_test\.(py|go|rb|exs?)$/.test(base) ||
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(base) ||
    /_spec\.rb$/.test(base) ||
    /(test|tests)\.(java|kt|swift|cs|scala)$/.test(base)
  );
}

export function isCodeFile(file: string): boolean {
  const ext = path.posix.extname(file).slice(1).toLowerCase();
  return CODE_EXTENSIONS.has(ext) && !isTestFile(file);
}

interface NumstatEntry {
  readonly path: string;
  readonly lines: number | null;
}

/** `git diff-tree --numstat -z --no-renames`: "added\tdeleted\tpath\0"; "-\t-" marks a binary file. */
export function parseNumstat(stdout: string): NumstatEntry[] {
  return stdout
    .split('\0')
    .filter((f) => f !== '')
    .map((field) => {
      const [added = '', deleted = '', ...rest] = field.split('\t');
      const binary = added === '-' || deleted === '-';
      return { path: rest.join('\t'), lines: binary ? null : Number(added) + Number(deleted) };
    });
}

/** Why a commit is not picked (null: it is a candidate). */
export function notPickedBecause(files: readonly NumstatEntry[]): string | null {
  if (files.some((f) => f.lines === null)) return 'it changes a binary file';
  if (files.length > MAX_FILES) return `it changes ${files.length} files (more than ${MAX_FILES})`;
  const lines = files.reduce((sum, f) => sum + (f.lines ?? 0), 0);
  if (lines > MAX_LINES) return `it changes ${lines} lines (more than ${MAX_LINES})`;
  if (!files.some((f) => isTestFile(f.path))) return 'it changes no test file';
  if (!files.some((f) => isCodeFile(f.path))) return 'it changes no code file';
  return null;
}

const SEP = '\x1f';
const END = '\x1e';

/** Up to `count` candidates, newest first, among the last `scan` commits of `rev` (default 10 × count, at least 50). */
export async function historyCandidates(repoRoot: string, count: number, rev = 'HEAD', scan?: number): Promise<HistoryCandidate[]> {
  const limit = scan ?? Math.max(50, count * 10);
  const log = await runGit(
    ['log', '--no-merges', '--no-color', `--max-count=${limit}`, `--format=%H${SEP}%P${SEP}%s${SEP}%B${END}`, rev, '--'],
    {
      cwd: repoRoot,
    },
  );
  const picked: HistoryCandidate[] = [];
  for (const record of log.stdout.split(END)) {
    if (picked.length >= count) break;
    const [commit = '', parents = '', subject = '', message = ''] = record.replace(/^\n/, '').split(SEP);
    const parentList = parents.trim() === '' ? [] : parents.trim().split(' ');
    const parent = parentList[0];
    if (commit === '' || parent === undefined || parentList.length !== 1) continue;
    const numstat = await runGit(['diff-tree', '-r', '--no-commit-id', '--numstat', '-z', '--no-renames', parent, commit, '--'], {
      cwd: repoRoot,
    });
    const files = parseNumstat(numstat.stdout);
    if (notPickedBecause(files) !== null) continue;
    picked.push({
      commit,
      parent,
      subject,
      message: message.trim(),
      testFiles: files.filter((f) => isTestFile(f.path)).map((f) => f.path),
      codeFiles: files.filter((f) => !isTestFile(f.path)).map((f) => f.path),
      linesChanged: files.reduce((sum, f) => sum + (f.lines ?? 0), 0),
    });
  }
  return picked;
}
