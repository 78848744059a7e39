import { fenceFor } from '../../../src/agents/fence-for.js';
import { diffLines, type Hunk } from './line-diff.js';

/**
 * Turns a real commit's change into the reply a perfect model would write, in the shapes small models
 * use (issue #18). Deterministic: the same change and shape always give the same reply. A change a
 * shape cannot express (a deleted file, a SEARCH/REPLACE that would have to add or drop a file's final
 * newline) gives `undefined` with the reason, and is not a record.
 */
export const SHAPES = ['minimal', 'one-fence', 'sentence', 'decorated', 'dedented', 'whole-file'] as const;
export type Shape = (typeof SHAPES)[number];

export interface FileChange {
  readonly path: string;
  /** null: the commit creates the file. */
  readonly before: string | null;
  readonly after: string;
}

export type Generated = { readonly ok: true; readonly reply: string } | { readonly ok: false; readonly reason: string };

interface Block {
  readonly search: readonly string[];
  readonly replace: readonly string[];
}

const SENTENCES = [
  'First, update this part:',
  'Next, change the lines below.',
  'Then make this edit:',
  'This replaces the old code with the new one:',
  'Also adjust the following:',
];
const DECORATIONS: readonly ((p: string) => string)[] = [
  (p) => `**${p}**`,
  (p) => `\`${p}\``,
  (p) => `### ${p}`,
  (p) => `File: ${p}`,
  (p) => `${p}:`,
  (p) => `**File:** \`${p}\``,
];

export function generateReply(changes: readonly FileChange[], shape: Shape): Generated {
  const parts: string[] = [];
  const oneFence: string[] = [];
  for (const [n, change] of changes.entries()) {
    const tag = fenceTag(change.path);
    if (shape === 'whole-file') {
      if (!change.after.endsWith('\n') || toLf(change.after) === '') return { ok: false, reason: `${change.path}: no final newline` };
      const body = toLf(change.after).slice(0, -1);
      const fence = fenceFor(body);
      parts.push(`${change.path}\n${fence}${tag}\n${body}\n${fence}`);
      continue;
    }
    const blocks = blocksFor(change);
    if (!blocks.ok) return blocks;
    blocks.blocks.forEach((block, b) => {
      const shown = shape === 'dedented' ? dedent(block) : block;
      const text = blockText(shown);
      if (shape === 'one-fence') {
        if (b === 0) oneFence.push(change.path);
        oneFence.push(text);
        return;
      }
      const fence = fenceFor(text);
      const fenced = `${fence}${tag}\n${text}${fence}`;
      const k = n + b;
      if (shape === 'sentence') parts.push(`${SENTENCES[k % SENTENCES.length] ?? ''}\n\n${change.path}\n${fenced}`);
      else if (shape === 'decorated') parts.push(`${(DECORATIONS[k % DECORATIONS.length] ?? ((p: string) => p))(change.path)}\n${fenced}`);
      else parts.push(`${change.path}\n${fenced}`);
    });
  }
  if (shape === 'one-fence') {
    const body = oneFence.join('\n');
    const fence = fenceFor(body);
    return { ok: true, reply: `Here are the changes.\n\n${fence}\n${body}${fence}\n` };
  }
  return { ok: true, reply: `Here are the changes.\n\n${parts.join('\n\n')}\n` };
}

function blockText(block: Block): string {
  const lines = (xs: readonly string[]): string => xs.map((l) => `${l}\n`).join('');
  return `<<<<<<< SEARCH\n${lines(block.search)}=======\n${lines(block.replace)}>>>>>>> REPLACE\n`;
}

/** ```ts for a TypeScript file: the tag small models put on a fence (never a path). */
function fenceTag(file: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase();
  return ext === undefined ? '' : ext;
}

/** A file's lines as the model sees them: CRLF read as LF, the final newline not a line. */
function linesOf(text: string): string[] {
  const lf = toLf(text);
  return (lf.endsWith('\n') ? lf.slice(0, -1) : lf).split('\n');
}

function toLf(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

type Blocks = { readonly ok: true; readonly blocks: Block[] } | { readonly ok: false; readonly reason: string };

/**
 * The SEARCH/REPLACE blocks for one file, top to bottom, each with the least context that makes its
 * SEARCH match exactly one place of the file as the blocks before it have left it (the applier works
 * block by block). Hunks whose context would overlap are merged into one block.
 */
function blocksFor(change: FileChange): Blocks {
  if (change.before === null) {
    if (toLf(change.after) === '') return { ok: false, reason: `${change.path}: an empty new file` };
    if (!change.after.endsWith('\n')) return { ok: false, reason: `${change.path}: no final newline` };
    return { ok: true, blocks: [{ search: [], replace: linesOf(change.after) }] };
  }
  if (change.before.endsWith('\n') !== change.after.endsWith('\n') || toLf(change.after) === '' || toLf(change.before) === '') {
    return { ok: false, reason: `${change.path}: the final newline or the whole content changes` };
  }
  const hunks = diffLines(linesOf(change.before), linesOf(change.after));
  let current = linesOf(change.before);
  let delta = 0;
  const blocks: Block[] = [];
  let h = 0;
  while (h < hunks.length) {
    let hunk = hunks[h] as Hunk;
    let next = h + 1;
    for (;;) {
      const start = hunk.oldStart + delta;
      const found = leastContext(current, start, hunk.oldLines.length);
      if (found === undefined) return { ok: false, reason: `${change.path}: no unique SEARCH for the change at line ${start + 1}` };
      const following = hunks[next];
      // The context reaches the next change: make both one block.
      if (following !== undefined && start + hunk.oldLines.length + found.after > following.oldStart + delta) {
        hunk = merge(current, delta, hunk, following);
        next += 1;
        continue;
      }
      const search = current.slice(start - found.before, start + hunk.oldLines.length + found.after);
      const replace = [
        ...current.slice(start - found.before, start),
        ...hunk.newLines,
        ...current.slice(start + hunk.oldLines.length, start + hunk.oldLines.length + found.after),
      ];
      blocks.push({ search, replace });
      current = [...current.slice(0, start), ...hunk.newLines, ...current.slice(start + hunk.oldLines.length)];
      delta += hunk.newLines.length - hunk.oldLines.length;
      break;
    }
    h = next;
  }
  return { ok: true, blocks };
}

/** Two hunks (old coordinates) as one, the unchanged lines between them kept on both sides. */
function merge(current: readonly string[], delta: number, a: Hunk, b: Hunk): Hunk {
  const between = current.slice(a.oldStart + a.oldLines.length + delta, b.oldStart + delta);
  return {
    oldStart: a.oldStart,
    oldLines: [...a.oldLines, ...between, ...b.oldLines],
    newLines: [...a.newLines, ...between, ...b.newLines],
  };
}

/**
 * Context lines before and after `[start, start+count)` so that SEARCH matches once and holds a
 * non-blank line. Grows after, then before, alternately, as a model adds the line it is sure of.
 */
function leastContext(lines: readonly string[], start: number, count: number): { before: number; after: number } | undefined {
  let before = 0;
  let after = 0;
  for (let step = 0; step <= lines.length * 2 + 2; step += 1) {
    const from = start - before;
    const to = start + count + after;
    const search = lines.slice(from, to);
    if (search.some((l) => l.trim() !== '') && occurrences(lines, search) === 1) return { before, after };
    const canAfter = to < lines.length;
    const canBefore = from > 0;
    if (!canAfter && !canBefore) return undefined;
    if ((step % 2 === 0 && canAfter) || !canBefore) after += 1;
    else before += 1;
  }
  return undefined;
}

function occurrences(lines: readonly string[], search: readonly string[]): number {
  let n = 0;
  for (let i = 0; i + search.length <= lines.length; i += 1) {
    let k = 0;
    while (k < search.length && lines[i + k] === search[k]) k += 1;
    if (k === search.length) n += 1;
    if (n > 1) return n;
  }
  return n;
}

/** The block with the indentation common to all its non-blank lines removed, as small models write it. */
function dedent(block: Block): Block {
  const indents = [...block.search, ...block.replace].filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0] ?? '');
  let common = indents[0] ?? '';
  for (const indent of indents) while (!indent.startsWith(common)) common = common.slice(0, -1);
  if (common === '') return block;
  // A whitespace-only line shorter than the common indent is left as it is.
  const cut = (l: string): string => (l.startsWith(common) ? l.slice(common.length) : l);
  return { search: block.search.map(cut), replace: block.replace.map(cut) };
}
