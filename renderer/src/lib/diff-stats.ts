import type { FileChange } from '../../../src/api/payloads.js';

/** Summaries of a session's changed files for the diff review (counts, letters, order). */
export interface ChangeSummary {
  readonly files: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly renamed: number;
  readonly additions: number;
  readonly deletions: number;
  readonly binary: number;
}

export function summarizeChanges(files: readonly FileChange[]): ChangeSummary {
  let added = 0;
  let modified = 0;
  let deleted = 0;
  let renamed = 0;
  let additions = 0;
  let deletions = 0;
  let binary = 0;
  for (const file of files) {
    if (file.status === 'added' || file.status === 'copied') added++;
    else if (file.status === 'deleted') deleted++;
    else if (file.status === 'renamed') renamed++;
    else modified++;
    additions += file.additions ?? 0;
    deletions += file.deletions ?? 0;
    if (file.binary) binary++;
  }
  return { files: files.length, added, modified, deleted, renamed, additions, deletions, binary };
}

const LETTERS: Record<FileChange['status'], string> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  renamed: 'R',
  copied: 'C',
  'type-changed': 'T',
};

export function statusLetter(status: FileChange['status']): string {
  return LETTERS[status];
}

/** Folders first would hide the point of a small diff: plain path order, like `git status`. */
export function sortChanges(files: readonly FileChange[]): FileChange[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A small +/− bar: how many of `slots` boxes are additions vs deletions (GitHub's diffstat). */
export function diffstatBoxes(additions: number | null, deletions: number | null, slots = 5): { add: number; del: number; none: number } {
  const a = additions ?? 0;
  const d = deletions ?? 0;
  const total = a + d;
  if (total === 0) return { add: 0, del: 0, none: slots };
  const filled = Math.min(slots, Math.max(1, Math.ceil(Math.log10(total + 1) * 2)));
  const add = Math.round((a / total) * filled);
  return { add, del: filled - add, none: slots - filled };
}
