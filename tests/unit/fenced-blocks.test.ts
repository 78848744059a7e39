import { describe, expect, it } from 'vitest';
import { findFencedBlocks, splitLines } from '../../src/agents/fenced-blocks.js';

const blocksOf = (text: string) => findFencedBlocks(splitLines(text));

describe('splitLines', () => {
  it('splits on LF, CRLF and lone CR', () => {
    expect(splitLines('a\nb\r\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitLines('')).toEqual(['']);
    expect(splitLines('a\n')).toEqual(['a', '']);
  });
});

describe('findFencedBlocks', () => {
  it('finds a block with its language, info string, body and line range', () => {
    const [block, ...rest] = blocksOf('intro\n```Python main.py\nprint(1)\nprint(2)\n```\noutro');
    expect(rest).toEqual([]);
    expect(block).toEqual({
      language: 'python',
      infoWord: 'Python',
      infoRest: 'main.py',
      body: 'print(1)\nprint(2)',
      startLine: 1,
      endLine: 4,
      closed: true,
    });
  });

  it('finds several blocks in order, untagged ones with an empty language', () => {
    const blocks = blocksOf('```bash\nls\n```\ntext\n```\nplain\n```\n~~~js\nx\n~~~');
    expect(blocks.map((b) => [b.language, b.body])).toEqual([
      ['bash', 'ls'],
      ['', 'plain'],
      ['js', 'x'],
    ]);
  });

  it('marks an unterminated block and runs it to the last line', () => {
    const [block] = blocksOf('main.py\n```python\na = 1\nb = 2');
    expect(block).toMatchObject({ body: 'a = 1\nb = 2', startLine: 1, endLine: 3, closed: false });
  });

  it('is not closed by a fence with an info string, a shorter fence or the other fence character', () => {
    const [block, ...rest] = blocksOf('````md\n```python\nx\n```\n~~~~\n````');
    expect(rest).toEqual([]);
    expect(block?.body).toBe('```python\nx\n```\n~~~~');
    expect(block?.closed).toBe(true);
  });

  it('is closed by a longer fence of the same character', () => {
    const [block] = blocksOf('```\nx\n`````\nafter');
    expect(block).toMatchObject({ body: 'x', endLine: 2, closed: true });
  });

  it('accepts up to three spaces of indentation, not four', () => {
    expect(blocksOf('   ```py\nx\n   ```')).toHaveLength(1);
    expect(blocksOf('    ```py\nx\n    ```')).toEqual([]);
  });

  it('keeps an empty block', () => {
    expect(blocksOf('```python\n```')).toEqual([
      { language: 'python', infoWord: 'python', infoRest: '', body: '', startLine: 0, endLine: 1, closed: true },
    ]);
  });

  it('finds no block in prose', () => {
    expect(blocksOf('Use `x` and ``y`` here.\nNo fences.')).toEqual([]);
  });
});
