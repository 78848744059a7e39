import { memo, type CSSProperties } from 'react';
import { parseAnsi, type AnsiStyle } from '../../lib/ansi.js';

/** Check output with its colours: palette names map to theme classes, 256/true colours to inline styles. */
function styleOf(style: AnsiStyle): { className: string; css: CSSProperties | undefined } {
  const classes: string[] = [];
  let css: CSSProperties | undefined;
  const fg = style.inverse ? style.bg : style.fg;
  const bg = style.inverse ? (style.fg ?? 'default-fg') : style.bg;
  if (fg !== null) {
    if (fg.startsWith('rgb')) css = { ...css, color: fg };
    else classes.push(`ansi-${fg}`);
  }
  if (bg !== null) {
    if (bg.startsWith('rgb')) css = { ...css, backgroundColor: bg };
    else classes.push(`ansi-bg-${bg}`);
  }
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  return { className: classes.join(' '), css };
}

export const AnsiText = memo(function AnsiText({ text }: { text: string }) {
  const { spans } = parseAnsi(text);
  return (
    <>
      {spans.map((span, index) => {
        const { className, css } = styleOf(span.style);
        return className === '' && css === undefined ? (
          <span key={index}>{span.text}</span>
        ) : (
          <span key={index} className={className} style={css}>
            {span.text}
          </span>
        );
      })}
    </>
  );
});
