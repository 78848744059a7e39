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

/**
 * A file as its lines without the final newline, whether it had one, and whether its line ends are
 * CRLF (every `\n` preceded by `\r`): all three are kept as they were.
 */
interface FileLines {
  readonly lines: string[];
  readonly finalNewline: boolean;
  readonly crlf: boolean;
}

function splitFileLines(content: string): FileLines {
  const crlf = usesCrlf(content);
  const text = crlf ? content.replace(/\r\n/g, '\n') : content;
  const finalNewline = text.endsWith('\n');
  return { lines: (finalNewline ? text.slice(0, -1) : text).split('\n'), finalNewline, crlf };
}

function joinFileLines(file: FileLines): string {
  const text = file.lines.join('\n');
  const joined = file.finalNewline && text !== '' ? `${text}\n` : text;
  return file.crlf ? joined.replace(/\n/g, '\r\n') : joined;
}

/** Every line end is CRLF (a file with a stray lone `\n` is left as it is, its `\r`s part of its lines). */
export function usesCrlf(content: string): boolean {
  const lf = content.split('\n').length - 1;
  return lf > 0 && content.split('\r\n').length - 1 === lf;
}

/**
 * The lines of a SEARCH or REPLACE section. A section is text whose lines each end with `\n` (the
 * parser writes them so): '' is no lines at all, '\n' is one blank line. A missing final `\n` is
 * tolerated ('b' is the line `b`).
 */
function sectionLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

export function applySearchReplace(content: string, search: string, replace: string): SearchReplaceResult {
  const file = splitFileLines(content);
  if (search.trim() === '') return { ok: true, content: appendLines(file, sectionLines(replace)), level: 'append' };
  const searchLines = sectionLines(search);
  const replaceLines = sectionLines(replace);
  const whole = replaceOnce(file.lines, searchLines, replaceLines, 0);
  if (whole.kind === 'replaced') return { ok: true, content: joinFileLines({ ...file, lines: whole.lines }), level: whole.level };
  if (whole.kind === 'ambiguous') return { ok: false, reason: ambiguityReason(whole.starts) };
  if (whole.kind === 'refused') return { ok: false, reason: whole.reason };
  if (searchLines.some((line) => ELISION_LINE.test(line))) {
    const elided = applyElided(file.lines, searchLines, replaceLines);
    if (elided.kind === 'replaced') return { ok: true, content: joinFileLines({ ...file, lines: elided.lines }), level: 'elision' };
    if (elided.kind === 'refused') return { ok: false, reason: elided.reason };
  }
  return { ok: false, reason: searchNotFoundReason(file.lines, searchLines, replaceLines) };
}

/**
 * An empty SEARCH: REPLACE's lines go after the file's (a new file when it is empty), each ending
 * with a newline; a blank line REPLACE ends with stays (it is the file's own trailing blank line).
 */
function appendLines(file: FileLines, added: readonly string[]): string {
  const before = file.lines.length === 1 && file.lines[0] === '' ? [] : file.lines;
  const lines = [...before, ...added];
  return lines.length === 0 ? '' : joinFileLines({ ...file, lines, finalNewline: true });
}

type Replacement =
  | { readonly kind: 'replaced'; readonly lines: string[]; readonly level: LineLevel; readonly end: number }
  | { readonly kind: 'ambiguous'; readonly starts: readonly number[] }
  | { readonly kind: 'refused'; readonly reason: string }
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
      // SEARCH at column 0 is what a dedented block looks like: if its lines also stand, indented,
      // elsewhere, the exact place is not surely the one meant (#18 replay: a dedented Go block).
      if (level === 'exact' && starts.length === 1 && atColumnZero(variant.search)) {
        const loose = findLineMatches(lines, variant.search, KEY.indentation, from);
        if (loose.length > 1) return { kind: 'ambiguous', starts: loose };
      }
      const start = starts[0];
      if (start === undefined) continue;
      let replacement = [...variant.replace];
      if (level === 'indentation') {
        const moved = reindentBlock(variant.replace, variant.search, lines.slice(start, start + variant.search.length));
        if (!moved.ok) return { kind: 'refused', reason: moved.reason };
        replacement = moved.lines;
      }
      // Only the matched lines change: blank lines around a deletion are the file's, not ours to tidy.
      const next = [...lines.slice(0, start), ...replacement, ...lines.slice(start + variant.search.length)];
      return { kind: 'replaced', lines: next, level, end: start + replacement.length };
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
    if (result.kind === 'refused') return result;
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

function trimBlankEdges(lines: readonly string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && (lines[a] ?? '').trim() === '') a += 1;
  while (b > a && (lines[b - 1] ?? '').trim() === '') b -= 1;
  return lines.slice(a, b);
}

/** Some non-blank line of SEARCH has no indentation. */
function atColumnZero(search: readonly string[]): boolean {
  return search.some((line) => line.trim() !== '' && !/^\s/.test(line));
}

/** The indentation of a line, or undefined for a blank line (blank lines carry no indentation). */
function indentOf(line: string): string | undefined {
  return line.trim() === '' ? undefined : (/^\s*/.exec(line)?.[0] ?? '');
}

type Reindented = { readonly ok: true; readonly lines: string[] } | { readonly ok: false; readonly reason: string };

/**
 * Moves REPLACE from SEARCH's indentation to the file's, by the one rule every matched line obeys:
 * the file adds the same prefix to each SEARCH line's indentation (SEARCH was dedented, as small
 * models write it), or removes the same prefix (SEARCH was over-indented), or the two indent with
 * different characters level for level (spaces written for a file's tabs). The prefix comes from the
 * file's own lines, so a tab-indented file stays tabbed. A REPLACE line the rule cannot place is
 * refused: its indentation would be a guess.
 */
function reindentBlock(replace: readonly string[], search: readonly string[], matched: readonly string[]): Reindented {
  const pairs: [string, string][] = [];
  search.forEach((line, i) => {
    const s = indentOf(line);
    const f = indentOf(matched[i] ?? '');
    if (s !== undefined && f !== undefined) pairs.push([s, f]);
  });
  const move = indentMove(pairs);
  if (move === undefined) return { ok: false, reason: INDENT_REFUSAL };
  const out: string[] = [];
  for (const line of replace) {
    const indent = indentOf(line);
    if (indent === undefined) {
      // A whitespace-only line moves like the others when it can (its spaces are the file's); '' stays ''.
      out.push(line === '' ? line : (move(line) ?? line));
      continue;
    }
    const moved = move(indent);
    if (moved === undefined) return { ok: false, reason: INDENT_REFUSAL };
    out.push(moved + line.slice(indent.length));
  }
  return { ok: true, lines: out };
}

const INDENT_REFUSAL =
  "SEARCH matched the file only with different indentation, and REPLACE's indentation cannot be carried over to the file's without guessing; nothing was changed. Copy SEARCH and REPLACE with the file's own indentation";

/** How to turn a SEARCH-side indentation into the file's, if one rule fits every matched pair. */
function indentMove(pairs: readonly (readonly [string, string])[]): ((indent: string) => string | undefined) | undefined {
  const [first] = pairs;
  if (first === undefined) return undefined;
  const [s0, f0] = first;
  if (f0.endsWith(s0)) {
    const added = f0.slice(0, f0.length - s0.length);
    if (pairs.every(([s, f]) => f === added + s)) return (indent) => added + indent;
  }
  if (s0.endsWith(f0)) {
    const removed = s0.slice(0, s0.length - f0.length);
    if (pairs.every(([s, f]) => s === removed + f))
      return (indent) => (indent.startsWith(removed) ? indent.slice(removed.length) : undefined);
  }
  return levelMove(pairs);
}

/**
 * SEARCH indents with one character and the file with another (spaces for tabs): each SEARCH level
 * maps to the file's unit times (level + a constant), checked on every matched pair.
 */
function levelMove(pairs: readonly (readonly [string, string])[]): ((indent: string) => string | undefined) | undefined {
  const searchUnit = indentUnit(pairs.map(([s]) => s));
  const fileUnit = indentUnit(pairs.map(([, f]) => f));
  if (searchUnit === undefined || fileUnit === undefined) return undefined;
  const level = (indent: string, unit: string): number | undefined =>
    indent === unit.repeat(indent.length / unit.length) ? indent.length / unit.length : undefined;
  const shifts = new Set(pairs.map(([s, f]) => (level(f, fileUnit) ?? NaN) - (level(s, searchUnit) ?? NaN)));
  const [shift] = shifts;
  if (shifts.size !== 1 || shift === undefined || Number.isNaN(shift)) return undefined;
  return (indent) => {
    const n = level(indent, searchUnit);
    return n === undefined || n + shift < 0 ? undefined : fileUnit.repeat(n + shift);
  };
}

/** The one indentation step a set of indents is made of: a tab, or the smallest run of spaces. */
function indentUnit(indents: readonly string[]): string | undefined {
  const nonEmpty = indents.filter((i) => i !== '');
  if (nonEmpty.length === 0) return undefined;
  if (nonEmpty.every((i) => /^\t+$/.test(i))) return '\t';
  if (!nonEmpty.every((i) => /^ +$/.test(i))) return undefined;
  return ' '.repeat(Math.min(...nonEmpty.map((i) => i.length)));
}
