/**
 * Applies one SEARCH/REPLACE block to a file's text. An exact match first; then a match that ignores
 * trailing whitespace and indentation differences line by line (small models often get those wrong),
 * re-indenting the replacement by the same offset. Returns null when SEARCH is not in the file.
 * Pure.
 */
export function applySearchReplace(content: string, search: string, replace: string): string | null {
  if (search.trim() === '') return content === '' ? ensureNewline(replace) : `${ensureNewline(content)}${ensureNewline(replace)}`;
  const exact = content.indexOf(search);
  if (exact !== -1) return content.slice(0, exact) + replace + content.slice(exact + search.length);
  return applyLooseLines(content, search, replace);
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function applyLooseLines(content: string, search: string, replace: string): string | null {
  const lines = content.split('\n');
  const wanted = trimBlankEdges(search.split('\n'));
  if (wanted.length === 0) return null;
  const key = (s: string): string => s.trim();
  for (let start = 0; start + wanted.length <= lines.length; start += 1) {
    let matches = true;
    for (let k = 0; k < wanted.length && matches; k += 1) matches = key(lines[start + k] ?? '') === key(wanted[k] ?? '');
    if (!matches) continue;
    const fileIndent = leadingWhitespace(lines[start] ?? '');
    const searchIndent = leadingWhitespace(wanted[0] ?? '');
    const replacement = trimBlankEdges(replace.split('\n')).map((line) => reindent(line, searchIndent, fileIndent));
    return [...lines.slice(0, start), ...replacement, ...lines.slice(start + wanted.length)].join('\n');
  }
  return null;
}

function trimBlankEdges(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && (lines[a] ?? '').trim() === '') a += 1;
  while (b > a && (lines[b - 1] ?? '').trim() === '') b -= 1;
  return lines.slice(a, b);
}

function leadingWhitespace(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? '';
}

/**
 * Moves a replacement line from the SEARCH's indentation to the file's. The file's own indent characters
 * are kept (a tab-indented file stays tab-indented when the model wrote spaces).
 */
function reindent(line: string, searchIndent: string, fileIndent: string): string {
  if (searchIndent === fileIndent || line.trim() === '') return line;
  if (line.startsWith(searchIndent)) return fileIndent + line.slice(searchIndent.length);
  const offset = fileIndent.length - searchIndent.length;
  if (offset > 0) return ' '.repeat(offset) + line;
  const remove = Math.min(-offset, leadingWhitespace(line).length);
  return line.slice(remove);
}
