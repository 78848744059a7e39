import { checkRelativePath, pathFromLine } from './edit-path.js';
import { findFencedBlocks, splitLines, type FencedBlock } from './fenced-blocks.js';
import { entryFileForLanguage, isNonCodeLanguage, languageMatchesFile } from './languages.js';
import { stripLeakedSpecialTokens } from './special-tokens.js';

/**
 * The Coder's reply format (DESIGN.md, "What the model writes"): a path line then a fenced block with the
 * whole file, or a path line then SEARCH/REPLACE blocks; `READ path` lines ask to see files. The
 * orchestrator parses it; the model's tool-calling is never used.
 */
export type CoderEdit =
  | { readonly kind: 'whole-file'; readonly path: string; readonly content: string }
  | { readonly kind: 'search-replace'; readonly path: string; readonly search: string; readonly replace: string };

export interface RejectedEdit {
  readonly path: string;
  readonly reason: string;
}

export interface ParsedCoderReply {
  readonly edits: readonly CoderEdit[];
  readonly readRequests: readonly string[];
  readonly rejected: readonly RejectedEdit[];
  /** The model wrote tool calls as text (`write_file({...})`, `<tool_call>`): it needs a correction. */
  readonly toolCallsAsText: boolean;
}

export interface ParseContext {
  /** Files that exist in the worktree (relative POSIX paths). Empty = the seed's empty project. */
  readonly existingFiles: readonly string[];
  /** Files in play this session (edited or named by the task), for pathless blocks. */
  readonly filesInPlay: readonly string[];
}

const SEARCH_MARK = /^\s*<{5,9}\s*SEARCH\s*$/;
const DIVIDER_MARK = /^\s*={5,9}\s*$/;
const REPLACE_MARK = /^\s*>{5,9}\s*REPLACE\s*$/;
const READ_LINE = /^\s*(?:\*\*)?READ(?:\*\*)?:?\s+`?([^`\s][^`]*?)`?\s*$/;
const TOOL_CALL_TEXT = /<tool_call>|<function_call>|\b(?:write_file|create_file|edit_file|str_replace(?:_editor)?|apply_patch)\s*\(|"name"\s*:\s*"(?:write_file|create_file|edit_file)"/;

export function parseCoderReply(reply: string, context: ParseContext): ParsedCoderReply {
  const lines = splitLines(stripLeakedSpecialTokens(reply));
  const blocks = findFencedBlocks(lines);
  const insideBlock = lineMask(lines.length, blocks);
  const edits: CoderEdit[] = [];
  const rejected: RejectedEdit[] = [];

  const searchReplace = parseSearchReplace(lines, blocks);
  const claimedBlocks = new Set<FencedBlock>(searchReplace.claimedBlocks);
  addChecked(searchReplace.edits, edits, rejected);

  const pathless: FencedBlock[] = [];
  for (const block of blocks) {
    if (claimedBlocks.has(block)) continue;
    const named = pathForBlock(block, lines, insideBlock);
    if (named !== undefined) {
      addChecked([{ kind: 'whole-file', path: named, content: withFinalNewline(block.body) }], edits, rejected);
    } else if (!isNonCodeLanguage(block.language) && block.body.trim() !== '') {
      pathless.push(block);
    }
  }
  if (edits.length === 0 && rejected.length === 0) {
    const fallback = pathlessEdit(pathless, context);
    if (fallback) edits.push(fallback);
  }

  return {
    edits,
    readRequests: readRequests(lines, insideBlock),
    rejected,
    toolCallsAsText: edits.length === 0 && TOOL_CALL_TEXT.test(reply),
  };
}

function addChecked(candidates: readonly CoderEdit[], edits: CoderEdit[], rejected: RejectedEdit[]): void {
  for (const edit of candidates) {
    const check = checkRelativePath(edit.path);
    if (check.ok) edits.push({ ...edit, path: check.path });
    else rejected.push({ path: check.path, reason: check.reason });
  }
}

function lineMask(count: number, blocks: readonly FencedBlock[]): boolean[] {
  const mask = new Array<boolean>(count).fill(false);
  for (const b of blocks) for (let i = b.startLine; i <= b.endLine; i += 1) mask[i] = true;
  return mask;
}

/**
 * The path for a block: in its info string (```python main.py / ```main.py / ```python:main.py) or on
 * the line above it. A command or output block (```bash, ```text) is a file only when a path line names
 * it, never because the sentence above mentions a file.
 */
function pathForBlock(block: FencedBlock, lines: readonly string[], insideBlock: readonly boolean[]): string | undefined {
  if (block.infoRest !== '') {
    const fromInfo = pathFromLine(block.infoRest);
    if (fromInfo !== undefined) return fromInfo;
  }
  const word = languagePrefixed(block.infoWord) ?? block.infoWord;
  if (word.includes('.') || word.includes('/')) {
    const fromLanguage = pathFromLine(word);
    if (fromLanguage !== undefined) return fromLanguage;
  }
  return pathAbove(block.startLine, lines, insideBlock, !isNonCodeLanguage(block.language));
}

/** `python:src/main.py` → `src/main.py` when the part before the colon is a language we know. */
function languagePrefixed(word: string): string | undefined {
  const colon = word.indexOf(':');
  if (colon <= 0) return undefined;
  const language = word.slice(0, colon);
  return entryFileForLanguage(language) !== undefined || isNonCodeLanguage(language) ? word.slice(colon + 1) : undefined;
}

/** The nearest prose line above `index` (one blank line allowed), read as a path. */
function pathAbove(index: number, lines: readonly string[], insideBlock: readonly boolean[], sentences: boolean): string | undefined {
  let i = index - 1;
  if (i >= 0 && (lines[i] ?? '').trim() === '') i -= 1;
  if (i < 0 || insideBlock[i]) return undefined;
  return pathFromLine(lines[i] ?? '', { sentences });
}

interface SearchReplaceScan {
  readonly edits: CoderEdit[];
  readonly claimedBlocks: FencedBlock[];
}

/** SEARCH/REPLACE blocks, fenced or not; consecutive blocks reuse the last path named. */
function parseSearchReplace(lines: readonly string[], blocks: readonly FencedBlock[]): SearchReplaceScan {
  const edits: CoderEdit[] = [];
  const claimed = new Set<FencedBlock>();
  let currentPath: string | undefined;
  let i = 0;
  while (i < lines.length) {
    if (!SEARCH_MARK.test(lines[i] ?? '')) {
      i += 1;
      continue;
    }
    const enclosing = blocks.find((b) => b.startLine < i && i <= b.endLine);
    if (enclosing) claimed.add(enclosing);
    const named = pathBeforeMarker(i, lines, enclosing);
    if (named !== undefined) currentPath = named;
    const divider = indexFrom(lines, i + 1, DIVIDER_MARK);
    const end = divider === -1 ? -1 : indexFrom(lines, divider + 1, REPLACE_MARK);
    if (divider === -1 || end === -1) break; // an unterminated block is not an edit
    if (currentPath !== undefined) {
      edits.push({
        kind: 'search-replace',
        path: currentPath,
        search: lines.slice(i + 1, divider).join('\n'),
        replace: lines.slice(divider + 1, end).join('\n'),
      });
    }
    i = end + 1;
  }
  return { edits, claimedBlocks: [...claimed] };
}

function pathBeforeMarker(marker: number, lines: readonly string[], enclosing: FencedBlock | undefined): string | undefined {
  let i = marker - 1;
  while (i >= 0 && (lines[i] ?? '').trim() === '') i -= 1;
  if (i >= 0 && REPLACE_MARK.test(lines[i] ?? '')) return undefined; // continues the previous file
  if (enclosing && i === enclosing.startLine) {
    const fromInfo = enclosing.infoRest !== '' ? pathFromLine(enclosing.infoRest) : undefined;
    if (fromInfo !== undefined) return fromInfo;
    i -= 1;
    while (i >= 0 && (lines[i] ?? '').trim() === '') i -= 1;
  }
  return i >= 0 ? pathFromLine(lines[i] ?? '') : undefined;
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
    return { kind: 'whole-file', path: matching[0], content: withFinalNewline(best.body) };
  }
  return undefined;
}

function readRequests(lines: readonly string[], insideBlock: readonly boolean[]): string[] {
  const requests: string[] = [];
  lines.forEach((line, i) => {
    if (insideBlock[i]) return;
    const m = READ_LINE.exec(line);
    if (m?.[1] !== undefined && !requests.includes(m[1])) requests.push(m[1]);
  });
  return requests;
}

function withFinalNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}
