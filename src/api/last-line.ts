/** The last line of a text that is not blank, trimmed ('' when there is none): an error's message, usually. */
export function lastNonEmptyLine(text: string): string {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (line !== '') return line;
    end = start - 1;
  }
  return '';
}
