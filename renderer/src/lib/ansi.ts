/**
 * ANSI escape sequences → styled spans, for check output (pytest, npm, cargo… colour their
 * output). Only SGR (`ESC[…m`) changes the style; other control sequences (cursor moves, erase,
 * OSC titles) are dropped, and a carriage return overwrites the line the way a terminal shows it.
 * Pure: the component maps styles to CSS.
 */
export interface AnsiStyle {
  /** A palette name (`red`, `bright-blue`…) or a CSS colour (`rgb(…)`) for 256/true colours. */
  readonly fg: string | null;
  readonly bg: string | null;
  readonly bold: boolean;
  readonly dim: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly inverse: boolean;
}

export interface AnsiSpan {
  readonly text: string;
  readonly style: AnsiStyle;
}

export const PLAIN: AnsiStyle = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const;

// CSI (ESC [ params final), OSC (ESC ] … BEL or ST), other two-byte escapes; a lone trailing ESC
// (a sequence cut by a chunk boundary) is dropped too.
const ESCAPES = /\u001b\[([0-9;:?]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u001b\[?[0-9;]*$|\u001b$/g;

/** A line as a terminal would show it: text after the last carriage return wins over what it overwrites. */
export function collapseCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      const parts = trimmed.split('\r');
      if (parts.length === 1) return trimmed;
      // Each segment overwrites the start of what was there.
      let shown = '';
      for (const part of parts) shown = part + shown.slice(part.length);
      return shown;
    })
    .join('\n');
}

function color256(n: number): string {
  if (n < 8) return NAMES[n] ?? 'white';
  if (n < 16) return `bright-${NAMES[n - 8] ?? 'white'}`;
  if (n < 232) {
    const i = n - 16;
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
  }
  const gray = 8 + (n - 232) * 10;
  return `rgb(${gray}, ${gray}, ${gray})`;
}

/** Applies one SGR parameter list to a style. */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let next = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0;
    if (code === 0) next = { ...PLAIN };
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 22) next = { ...next, bold: false, dim: false };
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code === 27) next.inverse = false;
    else if (code >= 30 && code <= 37) next.fg = NAMES[code - 30] ?? null;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = NAMES[code - 40] ?? null;
    else if (code === 49) next.bg = null;
    else if (code >= 90 && code <= 97) next.fg = `bright-${NAMES[code - 90] ?? 'white'}`;
    else if (code >= 100 && code <= 107) next.bg = `bright-${NAMES[code - 100] ?? 'white'}`;
    else if (code === 38 || code === 48) {
      const mode = codes[i + 1];
      let value: string | null = null;
      if (mode === 5) {
        value = color256(codes[i + 2] ?? 0);
        i += 2;
      } else if (mode === 2) {
        value = `rgb(${codes[i + 2] ?? 0}, ${codes[i + 3] ?? 0}, ${codes[i + 4] ?? 0})`;
        i += 4;
      }
      if (code === 38) next.fg = value;
      else next.bg = value;
    }
  }
  return next;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse
  );
}

/**
 * Spans of text with their style. `start` is the style in force before the text (output is shown
 * in chunks of lines; each chunk starts with the style the previous one ended with).
 */
export function parseAnsi(text: string, start: AnsiStyle = PLAIN): { spans: AnsiSpan[]; end: AnsiStyle } {
  const spans: AnsiSpan[] = [];
  let style = start;
  let last = 0;
  const push = (chunk: string): void => {
    if (chunk === '') return;
    const previous = spans.at(-1);
    if (previous !== undefined && sameStyle(previous.style, style)) spans[spans.length - 1] = { text: previous.text + chunk, style };
    else spans.push({ text: chunk, style });
  };
  const source = collapseCarriageReturns(text);
  for (const match of source.matchAll(ESCAPES)) {
    push(source.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
  }
  push(source.slice(last));
  return { spans, end: style };
}

/** The text with every escape sequence removed (for copying and searching). */
export function stripAnsi(text: string): string {
  return parseAnsi(text)
    .spans.map((span) => span.text)
    .join('');
}
