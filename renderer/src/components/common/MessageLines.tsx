import { InlineMarkdown } from '../transcript/InlineMarkdown.js';

/** A message from the core, one line per line, its `code` spans rendered as code (never raw backticks). */
export function MessageLines({ text }: { text: string }) {
  return (
    <>
      {text.split('\n').map((line, index) => (
        <div key={index}>
          <InlineMarkdown text={line} />
        </div>
      ))}
    </>
  );
}
