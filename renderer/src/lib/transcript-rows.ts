import { parseMarkdownBlocks, type MarkdownBlock } from './markdown-blocks.js';
import type { Persona } from '../../../src/api/session-status.js';
import { turnText, type ExecItem, type Transcript, type TranscriptItem, type TurnItem } from './transcript-reducer.js';

/**
 * The transcript flattened into rows for the virtualised list. A long reply or a long check output
 * becomes many rows (a code fence is cut into chunks of lines), so only what is on screen is in
 * the DOM even when one turn is thousands of lines long. Rows of items that did not change are
 * reused (same objects), so the list re-measures only what grew.
 */
export const FENCE_CHUNK_LINES = 40;
const OUTPUT_CHUNK_LINES = 60;

export type TranscriptRow =
  | { readonly kind: 'turn-header'; readonly key: string; readonly turn: TurnItem }
  | {
      readonly kind: 'block';
      readonly key: string;
      readonly persona: Persona;
      readonly block: Exclude<MarkdownBlock, { type: 'fence' }>;
      readonly last: boolean;
    }
  | {
      readonly kind: 'fence';
      readonly key: string;
      readonly persona: Persona;
      readonly lang: string;
      /** The file the fence writes, when the reply names it on the line before (the Coder's edit format). */
      readonly path: string | null;
      readonly lines: readonly string[];
      readonly first: boolean;
      readonly last: boolean;
      /** Line number of the chunk's first line within the fence (1-based). */
      readonly firstLine: number;
      readonly closed: boolean;
      readonly lastOfTurn: boolean;
      /** The unclosed fence at the end of a reply that is still streaming. */
      readonly growing: boolean;
    }
  | { readonly kind: 'exec-header'; readonly key: string; readonly exec: ExecItem }
  | {
      readonly kind: 'exec-output';
      readonly key: string;
      readonly text: string;
      readonly first: boolean;
      readonly last: boolean;
      readonly chunk: number;
    }
  | { readonly kind: 'exec-footer'; readonly key: string; readonly exec: ExecItem }
  | { readonly kind: 'item'; readonly key: string; readonly item: Exclude<TranscriptItem, TurnItem | ExecItem> };

/** `main.py`, **src/app.ts**, lib/x.py: — a line that only names a file. */
const PATH_LINE = /^[`*]*((?:[\w.-]+\/)*[\w-][\w.-]*\.[A-Za-z0-9]+|(?:[\w.-]+\/)+[\w.-]+)[`*]*:?$/;

export function pathLine(block: MarkdownBlock | undefined): string | null {
  if (block?.type !== 'paragraph' || block.text.includes('\n')) return null;
  return PATH_LINE.exec(block.text.trim())?.[1] ?? null;
}

function turnRows(turn: TurnItem): TranscriptRow[] {
  const rows: TranscriptRow[] = [{ kind: 'turn-header', key: `${turn.id}:h`, turn }];
  const blocks = parseMarkdownBlocks(turnText(turn));
  blocks.forEach((block, index) => {
    const lastBlock = index === blocks.length - 1;
    if (block.type !== 'fence') {
      // A path line right before a fence becomes the fence's title instead of a paragraph.
      if (blocks[index + 1]?.type === 'fence' && pathLine(block) !== null) return;
      rows.push({ kind: 'block', key: `${turn.id}:b${index}`, persona: turn.persona, block, last: lastBlock });
      return;
    }
    const path = pathLine(blocks[index - 1]);
    const chunks = Math.max(1, Math.ceil(block.lines.length / FENCE_CHUNK_LINES));
    for (let chunk = 0; chunk < chunks; chunk++) {
      rows.push({
        kind: 'fence',
        key: `${turn.id}:b${index}:${chunk}`,
        persona: turn.persona,
        lang: block.lang,
        path,
        lines: block.lines.slice(chunk * FENCE_CHUNK_LINES, (chunk + 1) * FENCE_CHUNK_LINES),
        first: chunk === 0,
        last: chunk === chunks - 1,
        firstLine: chunk * FENCE_CHUNK_LINES + 1,
        closed: block.closed,
        lastOfTurn: lastBlock && chunk === chunks - 1,
        growing: turn.streaming && !block.closed && lastBlock && chunk === chunks - 1,
      });
    }
  });
  return rows;
}

function execRows(exec: ExecItem): TranscriptRow[] {
  const rows: TranscriptRow[] = [{ kind: 'exec-header', key: `${exec.id}:h`, exec }];
  const output = exec.output.replace(/\n$/, '');
  if (output !== '') {
    const lines = output.split('\n');
    const chunks = Math.ceil(lines.length / OUTPUT_CHUNK_LINES);
    for (let chunk = 0; chunk < chunks; chunk++) {
      rows.push({
        kind: 'exec-output',
        key: `${exec.id}:o${chunk}`,
        text: lines.slice(chunk * OUTPUT_CHUNK_LINES, (chunk + 1) * OUTPUT_CHUNK_LINES).join('\n'),
        first: chunk === 0,
        last: chunk === chunks - 1,
        chunk,
      });
    }
  }
  if (exec.finished !== null) rows.push({ kind: 'exec-footer', key: `${exec.id}:f`, exec });
  return rows;
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameBlock(a: MarkdownBlock, b: MarkdownBlock): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'list' && b.type === 'list') return a.ordered === b.ordered && a.start === b.start && sameLines(a.items, b.items);
  if ((a.type === 'paragraph' || a.type === 'quote') && a.type === b.type) return a.text === (b as typeof a).text;
  if (a.type === 'heading' && b.type === 'heading') return a.level === b.level && a.text === b.text;
  return a.type === 'rule';
}

/** Same content (so the rendered row would be identical): the old object can stay. */
function sameRow(a: TranscriptRow, b: TranscriptRow): boolean {
  if (a.key !== b.key || a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'block': {
      const other = b as typeof a;
      return a.persona === other.persona && a.last === other.last && sameBlock(a.block, other.block);
    }
    case 'fence': {
      const other = b as typeof a;
      return (
        a.lang === other.lang &&
        a.path === other.path &&
        a.first === other.first &&
        a.last === other.last &&
        a.closed === other.closed &&
        a.lastOfTurn === other.lastOfTurn &&
        a.growing === other.growing &&
        sameLines(a.lines, other.lines)
      );
    }
    case 'exec-output': {
      const other = b as typeof a;
      return a.text === other.text && a.first === other.first && a.last === other.last;
    }
    case 'turn-header':
      return a.turn === (b as typeof a).turn;
    case 'exec-header':
    case 'exec-footer':
      return a.exec === (b as typeof a).exec;
    case 'item':
      return a.item === (b as typeof a).item;
  }
}

/**
 * Caches rows per item object (unchanged items keep their rows) and, for an item that changed (a
 * streaming turn), reuses every row whose content did not change — so per frame only the growing
 * tail of the reply is new and re-rendered.
 */
export class TranscriptRowCache {
  private readonly cache = new WeakMap<TranscriptItem, TranscriptRow[]>();
  private previousByKey = new Map<string, TranscriptRow>();

  rows(transcript: Transcript): TranscriptRow[] {
    const all: TranscriptRow[] = [];
    const byKey = new Map<string, TranscriptRow>();
    for (const item of transcript.items) {
      for (const row of this.rowsOf(item)) {
        all.push(row);
        byKey.set(row.key, row);
      }
    }
    this.previousByKey = byKey;
    return all;
  }

  /** One item's rows (cached by the item object). */
  rowsOf(item: TranscriptItem): readonly TranscriptRow[] {
    let rows = this.cache.get(item);
    if (rows === undefined) {
      const fresh =
        item.kind === 'turn' ? turnRows(item) : item.kind === 'exec' ? execRows(item) : [{ kind: 'item' as const, key: item.id, item }];
      rows = fresh.map((row) => {
        const previous = this.previousByKey.get(row.key);
        return previous !== undefined && sameRow(previous, row) ? previous : row;
      });
      this.cache.set(item, rows);
    }
    return rows;
  }
}
