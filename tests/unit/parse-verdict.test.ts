import { describe, expect, it } from 'vitest';
import { parseVerdict, sheriffFeedback } from '../../src/agents/parse-verdict.js';

const REVIEW = 'The program printed the first 10 primes and exited 0.\nThe output matches the task.';

describe('parseVerdict', () => {
  it.each([
    ['VERDICT: PASS', 'PASS'],
    ['VERDICT: FAIL', 'FAIL'],
    ['**VERDICT: PASS**', 'PASS'],
    ['**VERDICT:** FAIL', 'FAIL'],
    ['VERDICT: **PASS**', 'PASS'],
    ['`VERDICT: PASS`', 'PASS'],
    ['> Verdict - fail', 'FAIL'],
    ['> **Verdict**: pass', 'PASS'],
    ['## Verdict: FAIL', 'FAIL'],
    ['- VERDICT: FAIL', 'FAIL'],
    ['verdict: pass', 'PASS'],
    ['Verdict: Fail', 'FAIL'],
    ['VERDICT:PASS', 'PASS'],
    ['VERDICT: PASS.', 'PASS'],
    ['VERDICT: PASSED', 'PASS'],
    ['VERDICT: FAILED!', 'FAIL'],
    ['  VERDICT: PASS  ', 'PASS'],
    ['VERDICT – PASS', 'PASS'],
    ['VERDICT — FAIL', 'FAIL'],
  ] as const)('%j → %s', (line, verdict) => {
    expect(parseVerdict(`${REVIEW}\n\n${line}`)).toBe(verdict);
  });

  it('lets the LAST verdict line win', () => {
    expect(parseVerdict(`VERDICT: FAIL\nOn second thought the output is right.\nVERDICT: PASS`)).toBe('PASS');
    expect(parseVerdict(`VERDICT: PASS\nWait, the output has 9 primes, not 10.\n**VERDICT: FAIL**\n`)).toBe('FAIL');
  });

  it('does not count a verdict inside prose', () => {
    expect(parseVerdict('I think the verdict: pass is premature, the output is wrong.')).toBe('missing');
    expect(parseVerdict('Giving VERDICT: PASS would be wrong here.')).toBe('missing');
    expect(parseVerdict('VERDICT: PASS would be wrong here.')).toBe('missing');
    expect(parseVerdict('End with VERDICT: PASS or VERDICT: FAIL')).toBe('missing');
    expect(parseVerdict(`${REVIEW}\nThe verdict: pass is premature.\nVERDICT: FAIL`)).toBe('FAIL');
  });

  it('does not count words that merely start with pass/fail', () => {
    expect(parseVerdict('VERDICT: PASSING')).toBe('missing');
    expect(parseVerdict('VERDICT: FAILURE')).toBe('missing');
  });

  it('does not let a later prose mention override a real verdict line', () => {
    expect(parseVerdict('VERDICT: FAIL\nI would have said the verdict: pass if it printed 10 numbers.')).toBe('FAIL');
  });

  it('is missing when there is no verdict line', () => {
    expect(parseVerdict(REVIEW)).toBe('missing');
    expect(parseVerdict('')).toBe('missing');
    expect(parseVerdict('PASS')).toBe('missing');
    expect(parseVerdict('VERDICT: MAYBE')).toBe('missing');
    expect(parseVerdict('VERDICT:')).toBe('missing');
  });

  it('tolerates CRLF and leaked special tokens', () => {
    expect(parseVerdict(`${REVIEW}\r\nVERDICT: PASS\r\n`)).toBe('PASS');
    expect(parseVerdict(`${REVIEW}\nVERDICT: FAIL<|im_end|>`)).toBe('FAIL');
    expect(parseVerdict(`${REVIEW}\nVERDICT: PASS<|eot_id|>\n<|endoftext|>`)).toBe('PASS');
  });
});

describe('sheriffFeedback', () => {
  it('drops the verdict line and keeps the reasoning', () => {
    const reply = 'The output stops at 7.\nFix: loop to n + 1.\n\n**VERDICT: FAIL**\n';
    expect(sheriffFeedback(reply)).toBe('The output stops at 7.\nFix: loop to n + 1.');
  });

  it('drops every verdict line but keeps prose that mentions a verdict', () => {
    const reply = 'VERDICT: PASS\nNo: the verdict: pass is premature, 9 is not prime.\nVERDICT: FAIL';
    expect(sheriffFeedback(reply)).toBe('No: the verdict: pass is premature, 9 is not prime.');
  });

  it('strips leaked tokens and CRLF', () => {
    expect(sheriffFeedback('Wrong output.\r\nVERDICT: FAIL<|im_end|>')).toBe('Wrong output.');
  });

  it('is empty for a bare verdict', () => {
    expect(sheriffFeedback('VERDICT: FAIL')).toBe('');
  });
});
