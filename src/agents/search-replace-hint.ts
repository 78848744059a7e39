import { fenceFor } from './fence-for.js';

/**
 * The correction for a SEARCH that matches nothing: it quotes the closest lines of the file ("did you
 * mean") so a small model can copy them, and says when the REPLACE text is already there (the edit
 * was probably made already). Pure; the similarity is a cheap bigram score per line, enough to find
 * the right place in a file of thousands of lines.
 */
const MAX_QUOTED_LINES = 15;
/** Below this average line similarity the "closest" lines are noise: say so instead of quoting them. */
const MIN_SIMILARITY = 0.35;
/** Windows compared at most (a 20,000-line file with a 40-line SEARCH stays fast). */
const MAX_SEARCH_LINES_SCORED = 40;

export function searchNotFoundReason(
  fileLines: readonly string[],
  searchLines: readonly string[],
  replaceLines: readonly string[],
): string {
  const parts = ['the SEARCH text does not match whole lines of the file; nothing was changed'];
  const search = trimBlank(searchLines);
  const closest = closestLines(fileLines, search);
  if (closest !== undefined) {
    const quoted = fileLines.slice(closest.start, Math.min(closest.end, closest.start + MAX_QUOTED_LINES));
    const body = quoted.join('\n');
    const fence = fenceFor(body);
    const span = closest.end - closest.start === 1 ? `line ${closest.start + 1}` : `lines ${closest.start + 1}-${closest.end}`;
    parts.push(`Did you mean these lines (${span})?\n${fence}\n${body}\n${fence}\nCopy SEARCH from the file exactly, whole lines only`);
  } else {
    parts.push('No lines of the file look like it: READ the file and copy SEARCH from it exactly, whole lines only');
  }
  const present = replaceAlreadyPresent(fileLines, replaceLines);
  if (present !== undefined) {
    parts.push(
      `The REPLACE text is already in the file (line ${present + 1}): this change may already be made; if so, send no edit for it`,
    );
  }
  return parts.join('. ');
}

/** The window of the file most like SEARCH (same number of lines), or undefined when nothing is close. */
function closestLines(fileLines: readonly string[], search: readonly string[]): { start: number; end: number; score: number } | undefined {
  const wanted = search.slice(0, MAX_SEARCH_LINES_SCORED).map((line) => bigrams(line.trim()));
  if (wanted.length === 0 || fileLines.length === 0) return undefined;
  const have = fileLines.map((line) => bigrams(line.trim()));
  const size = Math.min(wanted.length, have.length);
  let best: { start: number; score: number } | undefined;
  for (let start = 0; start + size <= have.length; start += 1) {
    let total = 0;
    for (let k = 0; k < size; k += 1) total += dice(have[start + k] ?? new Map(), wanted[k] ?? new Map());
    const score = total / wanted.length;
    if (best === undefined || score > best.score) best = { start, score };
  }
  if (best === undefined || best.score < MIN_SIMILARITY) return undefined;
  return { start: best.start, end: best.start + Math.min(search.length, fileLines.length - best.start), score: best.score };
}

/** The first line where REPLACE (ignoring indentation and blank edges) already stands in the file. */
function replaceAlreadyPresent(fileLines: readonly string[], replaceLines: readonly string[]): number | undefined {
  const wanted = trimBlank(replaceLines).map((line) => line.trim());
  if (wanted.length === 0) return undefined;
  for (let start = 0; start + wanted.length <= fileLines.length; start += 1) {
    let k = 0;
    while (k < wanted.length && (fileLines[start + k] ?? '').trim() === wanted[k]) k += 1;
    if (k === wanted.length) return start;
  }
  return undefined;
}

function trimBlank(lines: readonly string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && (lines[a] ?? '').trim() === '') a += 1;
  while (b > a && (lines[b - 1] ?? '').trim() === '') b -= 1;
  return lines.slice(a, b);
}

type Bigrams = Map<string, number>;

function bigrams(text: string): Bigrams {
  const grams: Bigrams = new Map();
  if (text.length === 1) grams.set(text, 1);
  for (let i = 0; i + 1 < text.length; i += 1) {
    const gram = text.slice(i, i + 2);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/** Sørensen–Dice over bigram multisets: 1 for equal lines, 0 for nothing in common; two blanks are equal. */
function dice(a: Bigrams, b: Bigrams): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  let sizeA = 0;
  let sizeB = 0;
  for (const count of a.values()) sizeA += count;
  for (const [gram, count] of b) {
    sizeB += count;
    shared += Math.min(count, a.get(gram) ?? 0);
  }
  return (2 * shared) / (sizeA + sizeB);
}
