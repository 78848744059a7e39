import { describe, expect, it } from 'vitest';
import { applySgr, collapseCarriageReturns, parseAnsi, PLAIN, stripAnsi } from '../../renderer/src/lib/ansi.js';

describe('parseAnsi', () => {
  it('splits text into styled spans at SGR codes', () => {
    const { spans } = parseAnsi('a \u001b[32mgreen\u001b[0m b \u001b[1;31mbold red\u001b[22m red');
    expect(spans.map((s) => [s.text, s.style.fg, s.style.bold])).toEqual([
      ['a ', null, false],
      ['green', 'green', false],
      [' b ', null, false],
      ['bold red', 'red', true],
      [' red', 'red', false],
    ]);
  });

  it('knows bright, 256 and true colours, backgrounds and resets', () => {
    expect(applySgr(PLAIN, '92').fg).toBe('bright-green');
    expect(applySgr(PLAIN, '38;5;196').fg).toBe('rgb(255, 0, 0)');
    expect(applySgr(PLAIN, '38;5;244').fg).toBe('rgb(128, 128, 128)');
    expect(applySgr(PLAIN, '38;2;10;20;30').fg).toBe('rgb(10, 20, 30)');
    expect(applySgr(PLAIN, '41').bg).toBe('red');
    expect(applySgr(applySgr(PLAIN, '31;4'), '39;24')).toEqual(PLAIN);
    expect(applySgr(applySgr(PLAIN, '31;1'), '')).toEqual(PLAIN);
  });

  it('drops other control sequences and a sequence cut off at the end of a chunk', () => {
    expect(stripAnsi('\u001b[2K\u001b[1Gdone\u001b]0;title\u0007!')).toBe('done!');
    expect(stripAnsi('tail \u001b[3')).toBe('tail ');
    expect(stripAnsi('tail \u001b')).toBe('tail ');
  });

  it('continues with the style the previous chunk ended with', () => {
    const first = parseAnsi('\u001b[33mwarn');
    const second = parseAnsi('ing\u001b[0m ok', first.end);
    expect(second.spans[0]).toEqual({ text: 'ing', style: { ...PLAIN, fg: 'yellow' } });
  });

  it('shows carriage-return progress lines as a terminal does', () => {
    expect(collapseCarriageReturns('10%\r50%\r100%\nnext')).toBe('100%\nnext');
    expect(collapseCarriageReturns('abcdef\rXY')).toBe('XYcdef');
    expect(collapseCarriageReturns('windows\r\nline')).toBe('windows\nline');
  });
});
