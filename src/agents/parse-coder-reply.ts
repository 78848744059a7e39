import { checkRelativePath, pathFromLine, pathsInSentence, type PathLineOptions } from './edit-path.js';
import { missingFileReason } from './missing-file.js';
import { findFencedBlocks, splitLines, type FencedBlock } from './fenced-blocks.js';
import { entryFileForLanguage, isNonCodeLanguage, languageMatchesFile } from './languages.js';
import { stripLeakedSpecialTokens } from './special-tokens.js';
import { parseToolLine, type ToolRequest } from './tool-requests.js';

/**
 * The Coder's reply format (DESIGN.md, "What the model writes"): a path line then a fenced block with the
 * whole file, or a path line then SEARCH/REPLACE blocks; `READ path` lines ask to see files. The
 * orchestrator parses it; the model's tool-calling is never used.
 */
export type CoderEdit =
  | {
      readonly kind: 'whole-file';
      readonly path: string;
      readonly content: string;
      /**
       * The path was inferred (no path line: the one file in play, or a sentence naming it). Over an
       * existing file such a block is written only if it is plainly the whole file (rewrite-check.ts).
       */
      readonly pathInferred?: true;
    }
  | {
      readonly kind: 'search-replace';
      readonly path: string;
      /** SEARCH and REPLACE as text, each line ending with `\n`: '' is no lines, '\n' is one blank line. */
      readonly search: string;
      readonly replace: string;
    };

export interface RejectedEdit {
  readonly path: string;
  readonly reason: string;
}

export interface ParsedCoderReply {
  readonly edits: readonly CoderEdit[];
  /** The paths of the READ requests (ranged or not), in order. */
  readonly readRequests: readonly string[];
  /** Every READ, SEARCH and LIST request, in order, each once. */
  readonly toolRequests: readonly ToolRequest[];
  readonly rejected: readonly RejectedEdit[];
  /** The model wrote tool calls as text (`write_file({...})`, `<tool_call>`): it needs a correction. */
  readonly toolCallsAsText: boolean;
}

export interface ParseContext {
  /** Files that exist in the worktree (relative POSIX paths). Empty = the seed's empty project. */
  readonly existingFiles: readonly string[];
  /** Files in play this session (edited or named by the task), for pathless blocks. */
  readonly filesInPlay: readonly string[];
  /** The task's text: file names it gives count as paths even without an extension. */
  readonly taskText?: string;
}

const SEARCH_MARK = /^\s*<{5,9}\s*SEARCH\s*$/;
/** Any conflict-style marker line; ours are SEARCH_MARK and REPLACE_MARK. */
const MARKER_LINE = /^\s*(?:<{5,9}|>{5,9})(?![<>])/;
const OPEN_MARKER = /^\s*<{5,9}(?!<)/;
const CLOSE_MARKER = /^\s*>{5,9}(?!>)/;
const OUR_FORMAT =
  "write `<<<<<<< SEARCH`, `=======`, `>>>>>>> REPLACE` (exactly these lines) after the file's path line, or the whole file after its path line";
/** A `path/to/` prefix copied from an example: dropped when the bare name is a file in play. */
const PLACEHOLDER_PREFIX = /^(?:path\/to\/|path\/)/;
/** Exactly seven `=`: a longer or shorter run is text (a reST underline, a Markdown rule). */
const DIVIDER_MARK = /^\s*={7}\s*$/;
const REPLACE_MARK = /^\s*>{5,9}\s*REPLACE\s*$/;
const TOOL_CALL_TEXT =
  /<tool_call>|<function_call>|\b(?:write_file|create_file|edit_file|str_replace(?:_editor)?|apply_patch)\s*\(|"name"\s*:\s*"(?:write_file|create_file|edit_file)"/;

export function parseCoderReply(reply: string, context: ParseContext): ParsedCoderReply {
  const lines = splitLines(stripLeakedSpecialTokens(reply));
  const blocks = findFencedBlocks(lines);
  const insideBlock = lineMask(lines.length, blocks);
  const edits: CoderEdit[] = [];
  const rejected: RejectedEdit[] = [];
  const paths = pathOptions(context);

  const searchReplace = parseSearchReplace(lines, blocks, paths);
  const claimedBlocks = new Set<FencedBlock>(searchReplace.claimedBlocks);
  addChecked(searchReplace.edits, edits, rejected, context);
  rejected.push(...searchReplace.refused);
  if (searchReplace.incomplete !== undefined) {
    rejected.push({
      path: searchReplace.incomplete,
      reason:
        'a SEARCH/REPLACE block is not complete (it needs a `=======` line and a `>>>>>>> REPLACE` line), so it was not applied; send it again in full',
    });
  }
  rejected.push(...foreignMarkerBlocks(lines, blocks, insideBlock, claimedBlocks));

  const pathless: FencedBlock[] = [];
  for (const block of blocks) {
    if (claimedBlocks.has(block)) continue;
    const markers = splitLines(block.body).filter((line) => MARKER_LINE.test(line));
    const named = pathForBlock(block, lines, insideBlock, paths);
    if (markers.length > 0) {
      // Never written as file content: another tool's dialect, or ours left unfinished.
      const shown =
        markers.length > 1
          ? `\`${markers[0]?.trim() ?? ''}\` … \`${markers[markers.length - 1]?.trim() ?? ''}\``
          : `\`${markers[0]?.trim() ?? ''}\``;
      rejected.push({
        path: named?.kind === 'path' ? named.path : '(no path)',
        reason: `this tool does not read ${shown} marker lines (not a complete SEARCH/REPLACE block), so nothing was written; ${OUR_FORMAT}`,
      });
    } else if (named?.kind === 'path') {
      const edit: CoderEdit = named.inferred
        ? { kind: 'whole-file', path: named.path, content: withFinalNewline(block.body), pathInferred: true }
        : { kind: 'whole-file', path: named.path, content: withFinalNewline(block.body) };
      addChecked([edit], edits, rejected, context);
    } else if (named?.kind === 'unsure') {
      rejected.push({
        path: named.path,
        reason: `the line before a code block names several files (${named.names.join(', ')}), so it was not written; put the file's path alone on the line before its block`,
      });
    } else if (!isNonCodeLanguage(block.language) && block.body.trim() !== '') {
      pathless.push(block);
    }
  }
  if (edits.length === 0 && rejected.length === 0) {
    const fallback = pathlessEdit(pathless, context);
    if (fallback) edits.push(fallback);
  }

  for (const [from, to] of searchReplace.claimedLines) for (let i = from; i <= to; i += 1) insideBlock[i] = true;
  const toolRequests = toolRequestLines(lines, insideBlock);
  return {
    edits,
    readRequests: [...new Set(toolRequests.flatMap((r) => (r.kind === 'read' ? [r.path] : [])))],
    toolRequests,
    rejected,
    toolCallsAsText: edits.length === 0 && TOOL_CALL_TEXT.test(reply),
  };
}

function pathOptions(context: ParseContext): PathLineOptions {
  const known = new Set(context.existingFiles);
  for (const file of context.filesInPlay) known.add(file);
  for (const name of namesInTask(context.taskText ?? '')) known.add(name);
  return { knownPaths: known };
}

/** File names a task gives in backticks or quotes, or after "file", "named" or "called". */
function namesInTask(taskText: string): string[] {
  const names = new Set<string>();
  for (const m of taskText.matchAll(/[`'"]([^`'"\s]+)[`'"]/g)) names.add(m[1] ?? '');
  for (const m of taskText.matchAll(/\b(?:file|named|called)\s+([\w./-]+)/gi)) names.add((m[1] ?? '').replace(/[.,;:]+$/, ''));
  names.delete('');
  return [...names];
}

/**
 * Unfenced conflict-style blocks in another tool's dialect (`<<<<<<< ORIGINAL` … `>>>>>>> UPDATED`,
 * `<<<<<<< SEARCH:`): refused with a correction naming ours. A lone stray marker line (Aider's own
 * prompt ends with one) is ignored.
 */
function foreignMarkerBlocks(
  lines: readonly string[],
  blocks: readonly FencedBlock[],
  insideBlock: readonly boolean[],
  claimed: ReadonlySet<FencedBlock>,
): RejectedEdit[] {
  const inClaimed = (i: number): boolean => blocks.some((b) => claimed.has(b) && b.startLine <= i && i <= b.endLine);
  const found: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (SEARCH_MARK.test(line) || !OPEN_MARKER.test(line) || (insideBlock[i] && !inClaimed(i))) continue;
    const divider = indexFrom(lines, i + 1, DIVIDER_MARK);
    const close = divider === -1 ? -1 : indexFrom(lines, divider + 1, CLOSE_MARKER);
    if (close === -1 || REPLACE_MARK.test(lines[close] ?? '')) continue;
    found.push(`${line.trim()} … ${(lines[close] ?? '').trim()}`);
    i = close;
  }
  return found.length === 0
    ? []
    : [{ path: '(no path)', reason: `this tool does not read \`${found[0]}\` blocks, so nothing was written from them; ${OUR_FORMAT}` }];
}

function addChecked(candidates: readonly CoderEdit[], edits: CoderEdit[], rejected: RejectedEdit[], context: ParseContext): void {
  for (const edit of candidates) {
    const check = checkRelativePath(edit.path);
    if (!check.ok) {
      rejected.push({ path: check.path, reason: check.reason });
      continue;
    }
    const file = withoutPlaceholderPrefix(check.path, context);
    const missing =
      edit.kind === 'search-replace' && edit.search.trim() !== '' ? missingFileReason(file, context.existingFiles) : undefined;
    if (missing !== undefined) rejected.push({ path: file, reason: missing });
    else edits.push({ ...edit, path: file });
  }
}

/** `path/to/app.py` (copied from an example) is `app.py` when that is a file in play and the long one is not. */
function withoutPlaceholderPrefix(file: string, context: ParseContext): string {
  if (!PLACEHOLDER_PREFIX.test(file) || context.existingFiles.includes(file)) return file;
  const bare = file.replace(PLACEHOLDER_PREFIX, '');
  if (context.filesInPlay.includes(bare)) return bare;
  const byBase = context.filesInPlay.filter((f) => f === bare || f.endsWith(`/${bare}`));
  return byBase.length === 1 && byBase[0] !== undefined ? byBase[0] : file;
}

function lineMask(count: number, blocks: readonly FencedBlock[]): boolean[] {
  const mask = new Array<boolean>(count).fill(false);
  for (const b of blocks) for (let i = b.startLine; i <= b.endLine; i += 1) mask[i] = true;
  return mask;
}

type BlockPath =
  | { readonly kind: 'path'; readonly path: string; readonly inferred: boolean }
  | { readonly kind: 'unsure'; readonly path: string; readonly names: readonly string[] };

/**
 * The path for a block: in its info string (```python main.py / ```main.py / ```python:main.py) or on
 * the line above it. A command or output block (```bash, ```text) is a file only when a path line names
 * it, never because the sentence above mentions a file. A path taken from a sentence is `inferred`.
 */
function pathForBlock(
  block: FencedBlock,
  lines: readonly string[],
  insideBlock: readonly boolean[],
  options: PathLineOptions,
): BlockPath | undefined {
  const found = (p: string | undefined, inferred = false): BlockPath | undefined =>
    p === undefined ? undefined : { kind: 'path', path: p, inferred };
  if (block.infoRest !== '') {
    const fromInfo = pathFromLine(block.infoRest, { ...options, sentences: false });
    if (fromInfo !== undefined) return found(fromInfo);
  }
  const word = languagePrefixed(block.infoWord) ?? block.infoWord;
  if (word.includes('.') || word.includes('/') || options.knownPaths?.has(word) === true) {
    const fromLanguage = pathFromLine(word, { ...options, sentences: false });
    if (fromLanguage !== undefined) return found(fromLanguage);
  }
  const above = lineAbove(block.startLine, lines, insideBlock);
  if (above === undefined) return undefined;
  const exact = pathFromLine(above, { ...options, sentences: false });
  if (exact !== undefined) return found(exact);
  if (isNonCodeLanguage(block.language)) return undefined;
  const named = pathsInSentence(above, options.knownPaths);
  if (named.length === 1) return found(named[0], true);
  if (named.length > 1) return { kind: 'unsure', path: named[0] ?? '(no path)', names: named };
  return undefined;
}

/** `python:src/main.py` → `src/main.py` when the part before the colon is a language we know. */
function languagePrefixed(word: string): string | undefined {
  const colon = word.indexOf(':');
  if (colon <= 0) return undefined;
  const language = word.slice(0, colon);
  return entryFileForLanguage(language) !== undefined || isNonCodeLanguage(language) ? word.slice(colon + 1) : undefined;
}

/** The nearest prose line above `index` (one blank line allowed). */
function lineAbove(index: number, lines: readonly string[], insideBlock: readonly boolean[]): string | undefined {
  let i = index - 1;
  if (i >= 0 && (lines[i] ?? '').trim() === '') i -= 1;
  if (i < 0 || insideBlock[i]) return undefined;
  return lines[i];
}

interface SearchReplaceScan {
  readonly edits: CoderEdit[];
  /** Complete blocks that cannot be read without a guess (two `=======` lines). */
  readonly refused: RejectedEdit[];
  readonly claimedBlocks: FencedBlock[];
  /** A SEARCH line with no `=======` or `>>>>>>> REPLACE` after it (a reply cut short): its path. */
  readonly incomplete?: string;
  /** Line ranges (inclusive) of the blocks: code, not requests. */
  readonly claimedLines: [number, number][];
}

/** SEARCH/REPLACE blocks, fenced or not; consecutive blocks reuse the last path named. */
function parseSearchReplace(lines: readonly string[], blocks: readonly FencedBlock[], options: PathLineOptions): SearchReplaceScan {
  const edits: CoderEdit[] = [];
  const refused: RejectedEdit[] = [];
  const claimed = new Set<FencedBlock>();
  const claimedLines: [number, number][] = [];
  let currentPath: string | undefined;
  let i = 0;
  while (i < lines.length) {
    if (!SEARCH_MARK.test(lines[i] ?? '')) {
      i += 1;
      continue;
    }
    const enclosing = blocks.find((b) => b.startLine < i && i <= b.endLine);
    if (enclosing) claimed.add(enclosing);
    const divider = indexFrom(lines, i + 1, DIVIDER_MARK);
    // A block that creates a file (empty SEARCH) may be named by a lone word (`license`).
    const creates = divider !== -1 && lines.slice(i + 1, divider).every((line) => line.trim() === '');
    const named = pathBeforeMarker(i, lines, enclosing, creates ? { ...options, bareNames: true } : options);
    if (named !== undefined) currentPath = named;
    const end = divider === -1 ? -1 : indexFrom(lines, divider + 1, REPLACE_MARK);
    if (divider === -1 || end === -1) {
      claimedLines.push([i, lines.length - 1]);
      return { edits, refused, claimedBlocks: [...claimed], incomplete: currentPath ?? '(no path)', claimedLines }; // not an edit
    }
    claimedLines.push([i, end]);
    const dividers = lines.slice(divider, end).filter((line) => DIVIDER_MARK.test(line)).length;
    if (dividers > 1) {
      refused.push({
        path: currentPath ?? '(no path)',
        reason: `a SEARCH/REPLACE block holds ${dividers} \`=======\` lines, so where SEARCH ends is not certain and nothing was written from it; send that change as the whole file instead`,
      });
    } else if (currentPath !== undefined) {
      edits.push({
        kind: 'search-replace',
        path: currentPath,
        search: sectionText(lines.slice(i + 1, divider)),
        replace: sectionText(lines.slice(divider + 1, end)),
      });
    }
    i = end + 1;
  }
  return { edits, refused, claimedBlocks: [...claimed], claimedLines };
}

function pathBeforeMarker(
  marker: number,
  lines: readonly string[],
  enclosing: FencedBlock | undefined,
  options: PathLineOptions,
): string | undefined {
  let i = marker - 1;
  while (i >= 0 && (lines[i] ?? '').trim() === '') i -= 1;
  if (i >= 0 && REPLACE_MARK.test(lines[i] ?? '')) return undefined; // continues the previous file
  if (enclosing && i === enclosing.startLine) {
    const fromInfo = enclosing.infoRest !== '' ? pathFromLine(enclosing.infoRest, options) : undefined;
    if (fromInfo !== undefined) return fromInfo;
    i -= 1;
    while (i >= 0 && (lines[i] ?? '').trim() === '') i -= 1;
  }
  return i >= 0 ? pathFromLine(lines[i] ?? '', options) : undefined;
}

function indexFrom(lines: readonly string[], start: number, pattern: RegExp): number {
  for (let i = start; i < lines.length; i += 1) if (pattern.test(lines[i] ?? '')) return i;
  return -1;
}

/**
 * A block with no path. In an empty project it is the seed's case (main.py, or the language's usual
 * entry file); when exactly one file of that language is in play it is a rewrite of that file.
 * With several candidates the longest wins: small models often show a fragment before the full file.
 */
function pathlessEdit(candidates: readonly FencedBlock[], context: ParseContext): CoderEdit | undefined {
  // A block tagged with a programming language beats untagged ones: untagged blocks are often sample output.
  const tagged = candidates.filter((b) => b.language !== '' && entryFileForLanguage(b.language) !== undefined);
  const pool = tagged.length > 0 ? tagged : candidates;
  const best = [...pool].sort((a, b) => b.body.length - a.body.length)[0];
  if (!best) return undefined;
  if (context.existingFiles.length === 0) {
    const file = entryFileForLanguage(best.language);
    return file === undefined ? undefined : { kind: 'whole-file', path: file, content: withFinalNewline(best.body) };
  }
  const matching = context.filesInPlay.filter((f) => languageMatchesFile(best.language, f));
  if (matching.length === 1 && matching[0] !== undefined) {
    return { kind: 'whole-file', path: matching[0], content: withFinalNewline(best.body), pathInferred: true };
  }
  return undefined;
}

function toolRequestLines(lines: readonly string[], insideBlock: readonly boolean[]): ToolRequest[] {
  const requests: ToolRequest[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (insideBlock[i]) return;
    const request = parseToolLine(line);
    if (request === undefined) return;
    const key = JSON.stringify(request);
    if (seen.has(key)) return;
    seen.add(key);
    requests.push(request);
  });
  return requests;
}

/**
 * A fenced block's body as file text: every line the block holds ends with a newline, so a blank line
 * before the closing fence is the file's own trailing blank line (`…\n\n`), not noise to drop.
 */
function withFinalNewline(body: string): string {
  return body === '' ? '' : `${body}\n`;
}

/** A SEARCH or REPLACE section as text, each line ending with `\n`: no lines is '', one blank line is '\n'. */
function sectionText(sectionLines: readonly string[]): string {
  return sectionLines.map((line) => `${line}\n`).join('');
}
