import type { FileChange } from '../api/payloads.js';
import { runGit } from '../workspace/git/run-git.js';

/**
 * The files changed between two commits, with line counts, for the diff view's file list.
 * Read-only git; two plain commands (name-status for the kind of change, numstat for the counts).
 */
export async function diffFiles(cwd: string, base: string, head: string): Promise<FileChange[]> {
  const common = ['diff', '--no-color', '--no-ext-diff', '--find-renames', '-z'];
  const [status, numstat] = await Promise.all([
    runGit([...common, '--name-status', base, head], { cwd }),
    runGit([...common, '--numstat', base, head], { cwd }),
  ]);
  const counts = parseNumstat(numstat.stdout);
  return parseNameStatus(status.stdout).map((entry) => {
    const count = counts.get(entry.path);
    const binary = count === null;
    return { ...entry, binary, additions: count?.additions ?? (binary ? null : 0), deletions: count?.deletions ?? (binary ? null : 0) };
  });
}

const STATUS: Record<string, FileChange['status']> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

function parseNameStatus(out: string): Array<Pick<FileChange, 'path' | 'oldPath' | 'status'>> {
  const parts = out.split('\0');
  const entries: Array<Pick<FileChange, 'path' | 'oldPath' | 'status'>> = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i] ?? '';
    if (code === '') break;
    const kind = STATUS[code[0] ?? ''] ?? 'modified';
    if (kind === 'renamed' || kind === 'copied') {
      entries.push({ status: kind, oldPath: parts[i + 1] ?? '', path: parts[i + 2] ?? '' });
      i += 3;
    } else {
      entries.push({ status: kind, oldPath: null, path: parts[i + 1] ?? '' });
      i += 2;
    }
  }
  return entries;
}

/** path → counts, or null for a binary file ("-\t-"). With -z a rename is "a\td\t\0old\0new\0". */
function parseNumstat(out: string): Map<string, { additions: number; deletions: number } | null> {
  const parts = out.split('\0');
  const counts = new Map<string, { additions: number; deletions: number } | null>();
  for (let i = 0; i < parts.length; ) {
    const record = parts[i] ?? '';
    if (record === '') break;
    const [added = '', deleted = '', path = ''] = record.split('\t');
    let file = path;
    i += 1;
    if (path === '') {
      file = parts[i + 1] ?? '';
      i += 2;
    }
    counts.set(file, added === '-' ? null : { additions: Number(added), deletions: Number(deleted) });
  }
  return counts;
}
