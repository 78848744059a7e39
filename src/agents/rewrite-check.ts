import { extractSymbols } from './repo-map.js';

/**
 * Whether a block whose path was inferred (no path line) may replace an existing file (DESIGN.md,
 * "Pathless block over a file in play"): only when the file is at most 20 lines, or the block has at
 * least half of its lines and every top-level definition name it had. Otherwise a fragment ("here is
 * the fixed function") would wipe out the rest of the module. Pure.
 */
const SMALL_FILE_LINES = 20;
const MIN_LINE_SHARE = 0.5;

/** Undefined when the rewrite may go ahead; otherwise the correction that says why not. */
export function inferredRewriteRefusal(path: string, current: string | null, proposed: string): string | undefined {
  if (current === null) return undefined;
  const currentLines = countLines(current);
  if (currentLines <= SMALL_FILE_LINES) return undefined;
  const proposedLines = countLines(proposed);
  const kept = new Set(extractSymbols(path, proposed, Number.POSITIVE_INFINITY));
  const missing = extractSymbols(path, current, Number.POSITIVE_INFINITY).filter((name) => !kept.has(name));
  if (proposedLines >= currentLines * MIN_LINE_SHARE && missing.length === 0) return undefined;
  const what =
    missing.length > 0
      ? `it lacks ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}`
      : `it has ${proposedLines} of the file's ${currentLines} lines`;
  return (
    `a code block with no path line looks like a fragment of ${path}, not the whole file (${what}), so nothing was written. ` +
    'To change part of a file, put its path alone on a line and then SEARCH/REPLACE blocks; to replace it, put its path alone on a line before the complete file'
  );
}

function countLines(text: string): number {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return body === '' ? 0 : body.split('\n').length;
}
