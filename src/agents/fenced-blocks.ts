/**
 * Splits a model reply into lines and fenced code blocks, line by line (no regex over the whole text),
 * so an unterminated fence, nested backticks or a fence with an odd info string cannot swallow prose.
 */
export interface FencedBlock {
  /** The info string's first word, lower-cased ('' when absent). */
  readonly language: string;
  /** The same word as written: when it is a path (```src/App.tsx) its case matters. */
  readonly infoWord: string;
  /** The rest of the info string (some models put the path there: ```python main.py). */
  readonly infoRest: string;
  readonly body: string;
  /** Index of the opening fence line in the reply's lines. */
  readonly startLine: number;
  /** Index of the closing fence line (or the last line when the fence was never closed). */
  readonly endLine: number;
  readonly closed: boolean;
}

const FENCE_OPEN = /^\s{0,3}(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/;

export function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

export function findFencedBlocks(lines: readonly string[]): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = FENCE_OPEN.exec(lines[i] ?? '');
    if (!open) {
      i += 1;
      continue;
    }
    const fence = open[1] ?? '```';
    const closing = new RegExp(`^\\s{0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let j = i + 1;
    while (j < lines.length && !closing.test(lines[j] ?? '')) j += 1;
    const closed = j < lines.length;
    blocks.push({
      language: (open[2] ?? '').toLowerCase(),
      infoWord: open[2] ?? '',
      infoRest: (open[3] ?? '').trim(),
      body: lines.slice(i + 1, j).join('\n'),
      startLine: i,
      endLine: closed ? j : lines.length - 1,
      closed,
    });
    i = j + 1;
  }
  return blocks;
}
