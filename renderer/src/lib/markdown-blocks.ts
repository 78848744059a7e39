/**
 * A small Markdown reader for model transcripts: fenced code (what matters most — it is the
 * Coder's edits), headings, lists, quotes, rules and paragraphs, plus inline code, bold, italics
 * and links. It builds plain data that React renders as elements, so model output can never
 * inject HTML. It tolerates the half-written text of a streaming reply (an unclosed fence is a
 * fence that is still growing).
 */
export type MarkdownBlock =
  | { readonly type: 'fence'; readonly lang: string; readonly lines: readonly string[]; readonly closed: boolean }
  | { readonly type: 'heading'; readonly level: number; readonly text: string }
  | { readonly type: 'paragraph'; readonly text: string }
  | { readonly type: 'list'; readonly ordered: boolean; readonly start: number; readonly items: readonly string[] }
  | { readonly type: 'quote'; readonly text: string }
  | { readonly type: 'rule' };

export type InlinePart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'code'; readonly text: string }
  | { readonly type: 'strong'; readonly text: string }
  | { readonly type: 'em'; readonly text: string }
  | { readonly type: 'link'; readonly text: string; readonly href: string };

export const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^ {0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;

/** A line that ends the fence opened with `marker` (``` or ~~~, at least as long). */
export function closesFence(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= marker.length && trimmed[0] === marker[0] && /^(`+|~+)$/.test(trimmed);
}

export function parseMarkdownBlocks(text: string): MarkdownBlock[] {
  const lines = text.split('\n');
  const blocks: MarkdownBlock[] = [];
  let paragraph: string[] = [];
  const endParagraph = (): void => {
    if (paragraph.length > 0) blocks.push({ type: 'paragraph', text: paragraph.join('\n') });
    paragraph = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const fence = FENCE_OPEN.exec(line);
    if (fence !== null) {
      endParagraph();
      const marker = fence[1] ?? '```';
      const body: string[] = [];
      let closed = false;
      i++;
      while (i < lines.length) {
        const inner = lines[i] ?? '';
        if (closesFence(inner, marker)) {
          closed = true;
          i++;
          break;
        }
        body.push(inner);
        i++;
      }
      blocks.push({ type: 'fence', lang: fence[2] ?? '', lines: body, closed });
      continue;
    }
    if (line.trim() === '') {
      endParagraph();
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading !== null) {
      endParagraph();
      blocks.push({ type: 'heading', level: (heading[1] ?? '#').length, text: heading[2] ?? '' });
      i++;
      continue;
    }
    if (RULE.test(line) && paragraph.length === 0) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = NUMBERED.exec(line);
    if (bullet !== null || numbered !== null) {
      endParagraph();
      const ordered = bullet === null;
      const items: string[] = [];
      const start = numbered !== null ? Number(numbered[1]) : 1;
      while (i < lines.length) {
        const current = lines[i] ?? '';
        const item = ordered ? NUMBERED.exec(current) : BULLET.exec(current);
        if (item !== null) {
          items.push((ordered ? item[2] : item[1]) ?? '');
        } else if (/^\s{2,}\S/.test(current) && items.length > 0 && !FENCE_OPEN.test(current)) {
          // A continuation line of the item above.
          items[items.length - 1] = `${items[items.length - 1] ?? ''}\n${current.trim()}`;
        } else {
          break;
        }
        i++;
      }
      blocks.push({ type: 'list', ordered, start, items });
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote !== null) {
      endParagraph();
      const quoted: string[] = [];
      while (i < lines.length) {
        const q = QUOTE.exec(lines[i] ?? '');
        if (q === null) break;
        quoted.push(q[1] ?? '');
        i++;
      }
      blocks.push({ type: 'quote', text: quoted.join('\n') });
      continue;
    }
    paragraph.push(line);
    i++;
  }
  endParagraph();
  return blocks;
}

/** Inline code first (nothing inside it is markup), then bold, italics and links. */
export function parseInline(text: string): InlinePart[] {
  const parts: InlinePart[] = [];
  const pushText = (value: string): void => {
    if (value === '') return;
    const previous = parts.at(-1);
    if (previous?.type === 'text') parts[parts.length - 1] = { type: 'text', text: previous.text + value };
    else parts.push({ type: 'text', text: value });
  };
  const pattern =
    /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([^*\n]+?)\*\*|__([^_\n]+?)__|\*([^*\s][^*\n]*?)\*|(?<![\w])_([^_\s][^_\n]*?)_(?![\w])|\[([^\]\n]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    pushText(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] !== undefined) parts.push({ type: 'code', text: match[2].replace(/^ (.*) $/, '$1') });
    else if (match[3] !== undefined || match[4] !== undefined) parts.push({ type: 'strong', text: match[3] ?? match[4] ?? '' });
    else if (match[5] !== undefined || match[6] !== undefined) parts.push({ type: 'em', text: match[5] ?? match[6] ?? '' });
    else if (match[7] !== undefined) parts.push({ type: 'link', text: match[7], href: match[8] ?? '' });
  }
  pushText(text.slice(last));
  return parts;
}
