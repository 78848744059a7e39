/**
 * A line whose commands are in backticks ("Environment: install with `npm ci`"), shown as text with
 * each command in <code>. Nothing else is markup: names such as node_modules stay as written.
 */
export function CodeSpans({ text }: { text: string }) {
  const parts = text.split('`');
  // An odd count of backticks leaves the last one as text.
  const closed = parts.length % 2 === 1;
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 && (closed || index < parts.length - 1) ? (
          <code key={index}>{part}</code>
        ) : (
          <span key={index}>{index % 2 === 1 ? `\`${part}` : part}</span>
        ),
      )}
    </>
  );
}
