import { stripLeakedSpecialTokens } from './special-tokens.js';

/**
 * The Sheriff ends with `VERDICT: PASS` or `VERDICT: FAIL`. Parsed strictly (a line of its own, the
 * last one wins) but tolerant of markdown (`**VERDICT: PASS**`, `> Verdict - fail`). Anything else is
 * `missing`, which the orchestrator re-asks once and then treats as FAIL.
 */
export type Verdict = 'PASS' | 'FAIL' | 'missing';

const VERDICT_LINE = /^[\s>#*_`-]*verdict[\s*_`]*[:\-–—]\s*[*_`]*\s*(pass|fail)(?:ed)?\b[\s*_`.!]*$/i;

export function parseVerdict(reply: string): Verdict {
  const lines = stripLeakedSpecialTokens(reply).replace(/\r\n?/g, '\n').split('\n');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const m = VERDICT_LINE.exec(lines[i] ?? '');
    if (m?.[1]) return m[1].toUpperCase() === 'PASS' ? 'PASS' : 'FAIL';
  }
  return 'missing';
}

/** The Sheriff's reasoning without the verdict line, used as feedback for the next Coder turn. */
export function sheriffFeedback(reply: string): string {
  return stripLeakedSpecialTokens(reply)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => !VERDICT_LINE.test(line))
    .join('\n')
    .trim();
}
