import type { DiffHunk } from './git/diff-hunks.js';

/**
 * The head's content with one hunk put back to the base's lines. Works on bytes (latin1 keeps every
 * byte as one character) and on lines with their own endings, so a file's encoding, CRLF endings and a
 * missing final newline come back exactly as the base had them.
 */
export function revertHunk(base: Buffer, head: Buffer, hunk: DiffHunk): Buffer {
  const baseLines = linesOf(base);
  const headLines = linesOf(head);
  const oldAt = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
  const newAt = hunk.newLines === 0 ? hunk.newStart : hunk.newStart - 1;
  const out = [...headLines.slice(0, newAt), ...baseLines.slice(oldAt, oldAt + hunk.oldLines), ...headLines.slice(newAt + hunk.newLines)];
  return Buffer.from(out.join(''), 'latin1');
}

function linesOf(content: Buffer): string[] {
  const text = content.toString('latin1');
  return text === '' ? [] : text.split(/(?<=\n)/);
}

export function sameHunk(a: DiffHunk, b: DiffHunk): boolean {
  return a.oldStart === b.oldStart && a.oldLines === b.oldLines && a.newStart === b.newStart && a.newLines === b.newLines;
}

/** "lines 3–5" of the head (or "after line 7" for a pure deletion). */
export function hunkLines(hunk: DiffHunk): string {
  if (hunk.newLines === 0) return `the lines removed after line ${hunk.newStart}`;
  return hunk.newLines === 1 ? `line ${hunk.newStart}` : `lines ${hunk.newStart}–${hunk.newStart + hunk.newLines - 1}`;
}
