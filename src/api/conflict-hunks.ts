/**
 * The conflicting hunks of one file as git's three-way merge left them (written with
 * `merge.conflictStyle=diff3`, so each hunk carries the common base between the sides). Pure: the
 * renderer shows the hunks in plain labelled sections, never git's markers.
 */
export interface ConflictHunk {
  /** 1-based line of the hunk's start in the merged file. */
  readonly line: number;
  /** The target's lines (the branch merged into, or the session when updating from the base). */
  readonly ours: readonly string[];
  /** The common base's lines (null when git wrote no base section). */
  readonly base: readonly string[] | null;
  readonly theirs: readonly string[];
}

const OPEN = /^<{7}(?: |$)/;
const BASE = /^\|{7}(?: |$)/;
const SPLIT = /^={7}$/;
const CLOSE = /^>{7}(?: |$)/;

export function parseConflictHunks(text: string): ConflictHunk[] {
  const lines = text.split('\n');
  const hunks: ConflictHunk[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!OPEN.test(lines[i] ?? '')) {
      i += 1;
      continue;
    }
    const start = i;
    const ours: string[] = [];
    let base: string[] | null = null;
    const theirs: string[] = [];
    let part: string[] = ours;
    let closed = false;
    for (i += 1; i < lines.length; i += 1) {
      const line = lines[i] ?? '';
      if (BASE.test(line) && part === ours) part = base = [];
      else if (SPLIT.test(line) && part !== theirs) part = theirs;
      else if (CLOSE.test(line) && part === theirs) {
        closed = true;
        i += 1;
        break;
      } else part.push(line);
    }
    if (!closed) break; // a marker-like line that opens nothing: the file's own text
    hunks.push({ line: start + 1, ours, base, theirs });
  }
  return hunks;
}
