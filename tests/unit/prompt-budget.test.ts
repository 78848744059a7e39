import { describe, expect, it } from 'vitest';
import { fitSections, renderSections, type PromptSection, type TrimStyle } from '../../src/agents/prompt-budget.js';
import { PromptTokenEstimator } from '../../src/agents/token-estimate.js';

const section = (id: string, body: string, priority: number, trim: TrimStyle, title = id): PromptSection => ({
  id,
  title,
  body,
  priority,
  trim,
});
const numberedLines = (prefix: string, count: number): string =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i + 1} ${'.'.repeat(40)}`).join('\n');

describe('renderSections', () => {
  it('joins sections with titles and skips empty ones', () => {
    const text = renderSections([
      section('a', 'alpha', 1, 'keep', 'A'),
      section('b', '  \n ', 1, 'keep', 'B'),
      section('c', 'gamma', 1, 'keep', ''),
    ]);
    expect(text).toBe('## A\nalpha\n\ngamma');
  });
});

describe('fitSections', () => {
  const estimator = new PromptTokenEstimator();

  it('changes nothing when the prompt fits', () => {
    const sections = [section('task', 'do it', 99, 'keep'), section('files', 'x'.repeat(1000), 1, 'keep-head')];
    const fitted = fitSections(sections, 10_000, estimator);
    expect(fitted.trimmed).toEqual([]);
    expect(fitted.text).toBe(renderSections(sections));
    expect(fitted.estimatedTokens).toBe(estimator.estimateText(fitted.text));
  });

  it('counts the fixed tokens (system prompt) against the budget', () => {
    const sections = [section('task', 'do it', 99, 'keep'), section('files', 'x'.repeat(3500), 1, 'keep-head')];
    const fitted = fitSections(sections, 1200, estimator, 500);
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(1200);
    expect(fitted.estimatedTokens).toBe(500 + estimator.estimateText(fitted.text));
    expect(fitted.trimmed.map((t) => t.id)).toEqual(['files']);
  });

  it('trims the lowest priority first and leaves higher ones whole', () => {
    const low = 'L'.repeat(4000);
    const high = 'H'.repeat(4000);
    const fitted = fitSections([section('high', high, 5, 'keep-head'), section('low', low, 1, 'keep-head')], 1500, estimator);
    expect(fitted.text).toContain(high);
    expect(fitted.trimmed).toHaveLength(1);
    expect(fitted.trimmed[0]).toMatchObject({ id: 'low', fromChars: 4000 });
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(1500);
  });

  it('keep-head keeps the beginning and says what was cut', () => {
    const body = numberedLines('line', 200);
    const fitted = fitSections([section('files', body, 1, 'keep-head')], 1000, estimator);
    expect(fitted.text).toContain('line 1 ');
    expect(fitted.text).not.toContain('line 200 ');
    expect(fitted.text).toMatch(/characters cut to fit the context budget\]$/);
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(1000);
  });

  it('keep-tail keeps the end (where the error is) and says what was cut', () => {
    const body = `${numberedLines('out', 200)}\nZeroDivisionError: division by zero`;
    const fitted = fitSections([section('failure', body, 1, 'keep-tail')], 1000, estimator);
    expect(fitted.text).toMatch(/ZeroDivisionError: division by zero$/);
    expect(fitted.text).not.toContain('out 1 ');
    expect(fitted.text).toContain('characters cut to fit the context budget]');
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(1000);
  });

  it('drop-oldest-lines removes whole lines from the start', () => {
    const body = numberedLines('attempt', 100);
    const fitted = fitSections([section('history', body, 1, 'drop-oldest-lines')], 800, estimator);
    const kept = fitted.text.split('\n').slice(1); // after the title
    expect(kept.length).toBeGreaterThan(1);
    expect(kept.length).toBeLessThan(100);
    expect(kept[kept.length - 1]).toBe(`attempt 100 ${'.'.repeat(40)}`);
    expect(body.endsWith(kept.join('\n'))).toBe(true);
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(800);
  });

  it('drop removes the whole section', () => {
    const fitted = fitSections([section('task', 'do it', 99, 'keep'), section('map', 'm'.repeat(5000), 1, 'drop')], 500, estimator);
    expect(fitted.text).toBe('## task\ndo it');
    expect(fitted.trimmed).toEqual([{ id: 'map', fromChars: 5000, toChars: 0 }]);
  });

  it('drops a section rather than keep a useless sliver of it', () => {
    const fitted = fitSections(
      [section('task', 't'.repeat(3000), 99, 'keep'), section('files', 'f'.repeat(1000), 1, 'keep-head')],
      900,
      estimator,
    );
    expect(fitted.text).not.toContain('f');
    expect(fitted.trimmed).toEqual([{ id: 'files', fromChars: 1000, toChars: 0 }]);
  });

  it('never touches `keep` sections, even when they alone overrun the budget', () => {
    const task = 'T'.repeat(10_000);
    const fitted = fitSections([section('task', task, 99, 'keep'), section('files', 'f'.repeat(5000), 1, 'keep-head')], 1000, estimator);
    expect(fitted.text).toBe(`## task\n${task}`);
    expect(fitted.estimatedTokens).toBeGreaterThan(1000);
    expect(fitted.trimmed.map((t) => t.id)).toEqual(['files']);
  });

  it('moves on to the next priority once a section is gone', () => {
    const fitted = fitSections(
      [
        section('a', 'a'.repeat(2000), 1, 'drop'),
        section('b', 'b'.repeat(2000), 2, 'keep-head'),
        section('c', 'c'.repeat(2000), 3, 'keep-head'),
      ],
      900,
      estimator,
    );
    expect(fitted.trimmed.map((t) => t.id)).toEqual(['a', 'b']);
    expect(fitted.text).toContain('c'.repeat(2000));
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(900);
  });
});
