import { describe, expect, it } from 'vitest';
import { inferredRewriteRefusal } from '../../src/agents/rewrite-check.js';

const lines = (n: number, prefix = 'x'): string => Array.from({ length: n }, (_, i) => `${prefix}${i} = ${i}`).join('\n') + '\n';
const module = (names: readonly string[], bodyLines = 10): string =>
  names.map((name) => `def ${name}():\n${'    pass\n'.repeat(bodyLines)}`).join('\n');

describe('inferredRewriteRefusal (a block with no path line over an existing file)', () => {
  it('allows creating a file that does not exist', () => {
    expect(inferredRewriteRefusal('app.py', null, 'print(1)\n')).toBeUndefined();
  });

  it('allows any rewrite of a file of at most 20 lines', () => {
    expect(inferredRewriteRefusal('app.py', lines(20), 'print(1)\n')).toBeUndefined();
  });

  it('allows a rewrite with at least half the lines and every top-level definition', () => {
    const current = module(['a', 'b', 'c']);
    const proposed = module(['a', 'b', 'c'], 5).replace('def b():', 'def b():\n    return 2');
    expect(inferredRewriteRefusal('app.py', current, proposed)).toBeUndefined();
  });

  it('refuses a fragment that drops top-level definitions, naming them', () => {
    const current = module(['load', 'save', 'main']);
    const fragment = module(['save'], 30);
    expect(inferredRewriteRefusal('app.py', current, fragment)).toBe(
      'a code block with no path line looks like a fragment of app.py, not the whole file (it lacks load, main), so nothing was written. ' +
        'To change part of a file, put its path alone on a line and then SEARCH/REPLACE blocks; to replace it, put its path alone on a line before the complete file',
    );
  });

  it('refuses a block with fewer than half the lines, even with every definition', () => {
    const current = `def only():\n${'    x = 1\n'.repeat(40)}`;
    expect(inferredRewriteRefusal('app.py', current, 'def only():\n    return 1\n')).toContain("(it has 2 of the file's 41 lines)");
  });

  it('judges files of languages without definition patterns by size alone', () => {
    expect(inferredRewriteRefusal('notes.txt', lines(40), lines(20))).toBeUndefined();
    expect(inferredRewriteRefusal('notes.txt', lines(40), lines(19))).toContain("it has 19 of the file's 40 lines");
  });
});
