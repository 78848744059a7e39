import { searchNotFoundReason } from './search-replace-hint.js';

/**
 * Applies one SEARCH/REPLACE block to a file's text (DESIGN.md, "What the model writes"). SEARCH
 * matches whole lines only, never part of a line: `    return x` must not match `    return x + 1`.
 * Tried in order, each level only when the one before found nothing:
 *   1. exact lines; 2. lines equal but for trailing whitespace; 3. lines equal but for indentation
 *   (the replacement is re-indented by the same offset); 4. Aider's `...` elision: SEARCH and
 *   REPLACE split at `...` lines, each piece matched in order.
 * A SEARCH that matches several places is refused, never guessed; a missing one is refused with
 * the closest lines of the file (see search-replace-hint.ts). Pure.
 */
type MatchLevel = 'exact' | 'trailing-whitespace' | 'indentation' | 'elision';

export type SearchReplaceResult =
  { readonly ok: true; readonly content: string; readonly level: MatchLevel | 'append' } | { readonly ok: false; readonly reason: string };

const LINE_LEVELS = ['exact', 'trailing-whitespace', 'indentation'] as const;
type LineLevel = (typeof LINE_LEVELS)[number];
const KEY: Readonly<Record<LineLevel, (line: string) => string>> = {
  exact: (line) => line,
  'trailing-whitespace': (line) => line.trimEnd(),
  indentation: (line) => line.trim(),
};
const ELISION_LINE = /^\s*\.\.\.\s*$/;
/** Line numbers listed in an ambiguity refusal. */
const MAX_LISTED_MATCHES = 5;

/** A file as its lines without the final newline, and whether it had one (kept as it was). */
interface FileLines {
  readonly lines: string[];
  readonly finalNewline: boolean;
}

function splitFileLines(content: string): FileLines {
  const finalNewline = content.endsWith('\n');
  return { lines: (finalNewline ? content.slice(0, -1) : content).split('\n'), finalNewline };
}

function joinFileLines(file: FileLines): string {
  const text = file.lines.join('\n');
  return file.finalNewline && text !== '' ? `${text}\n` : text;
}

/** The lines of a SEARCH or REPLACE section; an empty section is no lines at all (not one blank line). */
function sectionLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

export function applySearchReplace(content: string, search: string, replace: string): SearchReplaceResult {
  if (search.trim() === '') {
    const appended = content === '' ? ensureNewline(replace) : `${ensureNewline(content)}${ensureNewline(replace)}`;
    return { ok: true, content: appended, level: 'append' };
  }
  const file = splitFileLines(content);
  const searchLines = sectionLines(search);
  const replaceLines = sectionLines(replace);
  const whole = replaceOnce(file.lines, searchLines, replaceLines, 0);
  if (whole.kind === 'replaced') return { ok: true, content: joinFileLines({ ...file, lines: whole.lines }), level: whole.level };
  if (whole.kind === 'ambiguous') return { ok: false, reason: ambiguityReason(whole.starts) };
  if (searchLines.some((line) => ELISION_LINE.test(line))) {
    const elided = applyElided(file.lines, searchLines, replaceLines);
    if (elided.kind === 'replaced') return { ok: true, content: joinFileLines({ ...file, lines: elided.lines }), level: 'elision' };
    if (elided.kind === 'refused') return { ok: false, reason: elided.reason };
  }
  return { ok: false, reason: searchNotFoundReason(file.lines, searchLines, replaceLines) };
}

type Replacement =
  | { readonly kind: 'replaced'; readonly lines: string[]; readonly level: LineLevel; readonly end: number }
  | { readonly kind: 'ambiguous'; readonly starts: readonly number[] }
  | { readonly kind: 'missing' };

/**
 * Replaces the one place (at or after line `from`) where `search` matches, trying the levels in
 * order, each with SEARCH as written and then without its blank first and last lines.
 */
function replaceOnce(lines: readonly string[], search: readonly string[], replace: readonly string[], from: number): Replacement {
  const trimmedSearch = trimBlankEdges(search);
  if (trimmedSearch.length === 0) return { kind: 'missing' };
  const variants: { search: readonly string[]; replace: readonly string[] }[] = [{ search, replace }];
  if (trimmedSearch.length !== search.length) variants.push({ search: trimmedSearch, replace: trimBlankEdges(replace) });
  for (const level of LINE_LEVELS) {
    for (const variant of variants) {
      const starts = findLineMatches(lines, variant.search, KEY[level], from);
      if (starts.length > 1) return { kind: 'ambiguous', starts };
      const start = starts[0];
      if (start === undefined) continue;
      const replacement =
        level === 'indentation'
          ? reindentBlock(variant.replace, variant.search, lines[start + firstContentLine(variant.search)] ?? '')
          : [...variant.replace];
      const next = [...lines.slice(0, start), ...replacement, ...lines.slice(start + variant.search.length)];
      const end = start + replacement.length;
      if (replacement.length === 0) return { kind: 'replaced', lines: collapseBlanksAt(next, start), level, end: start };
      return { kind: 'replaced', lines: next, level, end };
    }
  }
  return { kind: 'missing' };
}

/** Start indices (at or after `from`) where every SEARCH line equals the file's line under `key`. */
function findLineMatches(lines: readonly string[], search: readonly string[], key: (line: string) => string, from = 0): number[] {
  const wanted = search.map(key);
  const starts: number[] = [];
  for (let start = from; start + wanted.length <= lines.length; start += 1) {
    let k = 0;
    while (k < wanted.length && key(lines[start + k] ?? '') === wanted[k]) k += 1;
    if (k === wanted.length) {
      starts.push(start);
      if (starts.length > MAX_LISTED_MATCHES) break;
    }
  }
  return starts;
}

type ElisionResult =
  | { readonly kind: 'replaced'; readonly lines: string[] }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'missing' };

/**
 * Aider's `...` elision: SEARCH and REPLACE have the same `...` lines; each SEARCH piece is found
 * (once, after the previous piece) and replaced by the matching REPLACE piece. A piece with an
 * empty SEARCH and a non-empty REPLACE is appended to the file.
 */
function applyElided(lines: readonly string[], search: readonly string[], replace: readonly string[]): ElisionResult {
  const searchPieces = splitAtElisions(search);
  const replacePieces = splitAtElisions(replace);
  if (searchPieces.length !== replacePieces.length) {
    return {
      kind: 'refused',
      reason: `SEARCH has ${searchPieces.length - 1} "..." line(s) but REPLACE has ${replacePieces.length - 1}; use the same "..." lines in both, or copy the lines in full`,
    };
  }
  let current = [...lines];
  let from = 0;
  for (const [i, piece] of searchPieces.entries()) {
    const replacement = replacePieces[i] ?? [];
    if (trimBlankEdges(piece).length === 0) {
      if (trimBlankEdges(replacement).length > 0) current = [...current, ...replacement];
      continue;
    }
    const result = replaceOnce(current, piece, replacement, from);
    if (result.kind === 'ambiguous')
      return { kind: 'refused', reason: ambiguityReason(result.starts, `the part of SEARCH before "..." number ${i + 1}`) };
    if (result.kind === 'missing') return { kind: 'missing' };
    current = result.lines;
    from = result.end;
  }
  return { kind: 'replaced', lines: current };
}

function splitAtElisions(lines: readonly string[]): string[][] {
  const pieces: string[][] = [[]];
  for (const line of lines) {
    if (ELISION_LINE.test(line)) pieces.push([]);
    else pieces[pieces.length - 1]?.push(line);
  }
  return pieces;
}

function ambiguityReason(starts: readonly number[], what = 'the SEARCH text'): string {
  const listed = starts.slice(0, MAX_LISTED_MATCHES).map((s) => s + 1);
  const more = starts.length > MAX_LISTED_MATCHES ? ' and more' : '';
  return `${what} matches ${starts.length > MAX_LISTED_MATCHES ? 'more than 5' : starts.length} places (lines ${listed.join(', ')}${more}); nothing was changed. Add the lines around it so that SEARCH matches exactly one place`;
}

/**
 * After a deletion, blank lines on both sides of the removed lines would leave a double gap (the
 * "stray blank line"): drop as many of the following blanks as there are before. At the start or
 * end of the file the leftover blanks go.
 */
function collapseBlanksAt(lines: string[], at: number): string[] {
  const isBlank = (i: number): boolean => (lines[i] ?? '').trim() === '';
  let before = 0;
  while (at - before - 1 >= 0 && isBlank(at - before - 1)) before += 1;
  let after = 0;
  while (at + after < lines.length && isBlank(at + after)) after += 1;
  const atStart = at - before === 0;
  const atEnd = at + after === lines.length;
  if (atEnd && before > 0) return lines.slice(0, at - before);
  if (atStart && after > 0) return lines.slice(at + after);
  const drop = Math.min(before, after);
  return drop === 0 ? lines : [...lines.slice(0, at), ...lines.slice(at + drop)];
}

function trimBlankEdges(lines: readonly string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && (lines[a] ?? '').trim() === '') a += 1;
  while (b > a && (lines[b - 1] ?? '').trim() === '') b -= 1;
  return lines.slice(a, b);
}

function firstContentLine(lines: readonly string[]): number {
  const index = lines.findIndex((line) => line.trim() !== '');
  return index === -1 ? 0 : index;
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function leadingWhitespace(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? '';
}

/** Moves REPLACE from SEARCH's indentation (its first non-blank line) to the file's. */
function reindentBlock(replace: readonly string[], search: readonly string[], fileLine: string): string[] {
  const searchIndent = leadingWhitespace(search[firstContentLine(search)] ?? '');
  const fileIndent = leadingWhitespace(fileLine);
  return replace.map((line) => reindent(line, searchIndent, fileIndent));
}

/**
 * Moves a replacement line from the SEARCH's indentation to the file's. The file's own indent characters
 * are kept (a tab-indented file stays tab-indented when the model wrote spaces).
 */
function reindent(line: string, searchIndent: string, fileIndent: string): string {
  if (searchIndent === fileIndent || line.trim() === '') return line;
  if (line.startsWith(searchIndent)) return fileIndent + line.slice(searchIndent.length);
  const offset = fileIndent.length - searchIndent.length;
  if (offset > 0) return ' '.repeat(offset) + line;
  const remove = Math.min(-offset, leadingWhitespace(line).length);
  return line.slice(remove);
}
