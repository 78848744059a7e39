// revertHunk on the shapes `git diff -U0` gives: a change, a pure insertion, a pure deletion, at the
// top and at the end (with and without a final newline); bytes other than lines are kept exactly.
import { describe, expect, it } from 'vitest';
import { hunkLines, revertHunk } from '../../src/workspace/revert-hunk.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('revertHunk', () => {
  it('puts a changed line back', () => {
    expect(revertHunk(b('a\nb\nc\n'), b('a\nB\nc\n'), { oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 }).toString()).toBe('a\nb\nc\n');
  });
  it('removes inserted lines (oldLines 0: after old line oldStart)', () => {
    expect(revertHunk(b('a\nc\n'), b('a\nx\ny\nc\n'), { oldStart: 1, oldLines: 0, newStart: 2, newLines: 2 }).toString()).toBe('a\nc\n');
    expect(revertHunk(b('a\n'), b('top\na\n'), { oldStart: 0, oldLines: 0, newStart: 1, newLines: 1 }).toString()).toBe('a\n');
  });
  it('restores deleted lines (newLines 0: after new line newStart)', () => {
    expect(revertHunk(b('a\nb\nc\n'), b('a\nc\n'), { oldStart: 2, oldLines: 1, newStart: 1, newLines: 0 }).toString()).toBe('a\nb\nc\n');
    expect(revertHunk(b('a\nb\n'), b('b\n'), { oldStart: 1, oldLines: 1, newStart: 0, newLines: 0 }).toString()).toBe('a\nb\n');
  });
  it('keeps a missing final newline and non-UTF-8 bytes as they were', () => {
    expect(revertHunk(b('a\nend'), b('a\nEND\n'), { oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 }).toString('latin1')).toBe(
      'a\nend',
    );
    const base = Buffer.from([0xe9, 0x0a, 0x41, 0x0a]);
    const head = Buffer.from([0xe9, 0x0a, 0x42, 0x0a]);
    expect(revertHunk(base, head, { oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 })).toEqual(base);
  });
  it('names the lines a hunk covers', () => {
    expect(hunkLines({ oldStart: 3, oldLines: 1, newStart: 3, newLines: 3 })).toBe('lines 3–5');
    expect(hunkLines({ oldStart: 3, oldLines: 1, newStart: 3, newLines: 1 })).toBe('line 3');
    expect(hunkLines({ oldStart: 3, oldLines: 2, newStart: 2, newLines: 0 })).toBe('the lines removed after line 2');
  });
});
