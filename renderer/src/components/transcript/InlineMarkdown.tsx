import { memo } from 'react';
import { parseInline } from '../../lib/markdown-blocks.js';

/** Inline markdown as elements (never HTML): code spans, bold, italics; links show their text and target. */
export const InlineMarkdown = memo(function InlineMarkdown({ text }: { text: string }) {
  return (
    <>
      {parseInline(text).map((part, index) => {
        switch (part.type) {
          case 'code':
            return <code key={index}>{part.text}</code>;
          case 'strong':
            return <strong key={index}>{part.text}</strong>;
          case 'em':
            return <em key={index}>{part.text}</em>;
          case 'link':
            // Model output must not navigate the app: the address is shown, not followed.
            return (
              <span key={index} className="md-link" title={part.href}>
                {part.text}
              </span>
            );
          default:
            return <span key={index}>{part.text}</span>;
        }
      })}
    </>
  );
});
