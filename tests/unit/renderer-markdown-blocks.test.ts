import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdownBlocks } from '../../renderer/src/lib/markdown-blocks.js';

describe('parseMarkdownBlocks', () => {
  it('reads a Coder reply: prose, a path line, a fenced file', () => {
    const blocks = parseMarkdownBlocks("I'll add it.\n\nmain.py\n```python\nprint('hi')\n\n```\nDone.");
    expect(blocks).toEqual([
      { type: 'paragraph', text: "I'll add it." },
      { type: 'paragraph', text: 'main.py' },
      { type: 'fence', lang: 'python', lines: ["print('hi')", ''], closed: true },
      { type: 'paragraph', text: 'Done.' },
    ]);
  });

  it('treats an unclosed fence (a reply still streaming) as a growing fence', () => {
    expect(parseMarkdownBlocks('```py\nx = 1\ny =')).toEqual([{ type: 'fence', lang: 'py', lines: ['x = 1', 'y ='], closed: false }]);
  });

  it('keeps markup inside fences as code and closes only on a long enough marker', () => {
    const blocks = parseMarkdownBlocks('````md\n```js\n# not a heading\n```\n````');
    expect(blocks).toEqual([{ type: 'fence', lang: 'md', lines: ['```js', '# not a heading', '```'], closed: true }]);
  });

  it('reads headings, lists with continuation lines, quotes and rules', () => {
    const blocks = parseMarkdownBlocks('## Plan\n- one\n  more\n- two\n\n3. three\n4. four\n\n> quoted\n> twice\n\n---');
    expect(blocks).toEqual([
      { type: 'heading', level: 2, text: 'Plan' },
      { type: 'list', ordered: false, start: 1, items: ['one\nmore', 'two'] },
      { type: 'list', ordered: true, start: 3, items: ['three', 'four'] },
      { type: 'quote', text: 'quoted\ntwice' },
      { type: 'rule' },
    ]);
  });

  it('parses SEARCH/REPLACE edits inside a fence as plain lines', () => {
    const blocks = parseMarkdownBlocks('app.py\n```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```');
    expect(blocks[1]).toMatchObject({ type: 'fence', lines: ['<<<<<<< SEARCH', 'a', '=======', 'b', '>>>>>>> REPLACE'] });
  });
});

describe('parseInline', () => {
  it('finds code spans first, then bold, italics and links', () => {
    expect(parseInline('Run `a **b**` then **VERDICT: PASS** or _maybe_ [docs](https://x.y)')).toEqual([
      { type: 'text', text: 'Run ' },
      { type: 'code', text: 'a **b**' },
      { type: 'text', text: ' then ' },
      { type: 'strong', text: 'VERDICT: PASS' },
      { type: 'text', text: ' or ' },
      { type: 'em', text: 'maybe' },
      { type: 'text', text: ' ' },
      { type: 'link', text: 'docs', href: 'https://x.y' },
    ]);
  });

  it('leaves snake_case names and lone markers alone', () => {
    expect(parseInline('call total_sum and 2 * 3 * 4')).toEqual([{ type: 'text', text: 'call total_sum and 2 * 3 * 4' }]);
  });
});
