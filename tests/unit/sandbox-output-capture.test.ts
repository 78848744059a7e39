import { describe, expect, it } from 'vitest';
import { OutputCapture, completeUtf8Prefix, utf8CharStart } from '../../src/sandbox/output-capture.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Byte i of the synthetic stream: printable ASCII that depends on the position. */
function streamBytes(offset: number, length: number): Buffer {
  const chunk = Buffer.alloc(length);
  for (let i = 0; i < length; i++) chunk[i] = 0x21 + ((offset + i) % 89);
  return chunk;
}

describe('OutputCapture', () => {
  it('keeps small output whole, in arrival order across streams', () => {
    const capture = new OutputCapture();
    capture.push(Buffer.from('one\n'), 'stdout');
    capture.push(Buffer.from('two\n'), 'stderr');
    capture.push(Buffer.from('three\n'), 'stdout');
    expect(capture.render()).toBe('one\ntwo\nthree\n');
    expect(capture.totalBytes).toBe(14);
    expect(capture.truncated).toBe(false);
    expect(capture.streamTail('stdout')).toBe('one\nthree\n');
    expect(capture.streamTail('stderr')).toBe('two\n');
  });

  it('streams 100 MB through and keeps the first and last 64 KiB exactly', () => {
    const capture = new OutputCapture(); // default 128 KiB: 64 KiB each side
    const total = 100 * MiB;
    const chunkSize = 64 * KiB + 7; // not aligned with the cap
    const started = performance.now();
    for (let offset = 0; offset < total; offset += chunkSize) {
      const length = Math.min(chunkSize, total - offset);
      capture.push(streamBytes(offset, length), offset % 2 === 0 ? 'stdout' : 'stderr');
    }
    const elapsed = performance.now() - started;
    expect(capture.totalBytes).toBe(total);
    expect(capture.truncated).toBe(true);
    const omitted = total - 128 * KiB;
    const expected =
      streamBytes(0, 64 * KiB).toString('latin1') +
      `\n… [${omitted} bytes omitted] …\n` +
      streamBytes(total - 64 * KiB, 64 * KiB).toString('latin1');
    expect(capture.render()).toBe(expected);
    expect(Buffer.byteLength(capture.render())).toBeLessThan(128 * KiB + 100);
    expect(elapsed).toBeLessThan(10_000);
  }, 60_000);

  it('handles one chunk far larger than the cap', () => {
    const capture = new OutputCapture({ maxOutputBytes: 10 });
    capture.push(Buffer.from('0123456789abcdefghij'), 'stdout');
    expect(capture.render()).toBe('01234\n… [10 bytes omitted] …\nfghij');
    expect(capture.totalBytes).toBe(20);
  });

  it('treats an odd cap as head ⌈n/2⌉ + tail ⌊n/2⌋ and a zero cap as "omit everything"', () => {
    const odd = new OutputCapture({ maxOutputBytes: 5 });
    odd.push(Buffer.from('abcdefgh'), 'stdout');
    expect(odd.render()).toBe('abc\n… [3 bytes omitted] …\ngh');
    const zero = new OutputCapture({ maxOutputBytes: 0, streamTailBytes: 0 });
    zero.push(Buffer.from('abc'), 'stderr');
    expect(zero.render()).toBe('\n… [3 bytes omitted] …\n');
    expect(zero.streamTail('stderr')).toBe('');
  });

  it('never renders half a multi-byte character at either cut', () => {
    // '€' is 3 bytes (e2 82 ac); 4 + 4 kept bytes cut through characters on both sides.
    const capture = new OutputCapture({ maxOutputBytes: 8 });
    capture.push(Buffer.from('a€€€€€€b€', 'utf8'), 'stdout');
    const text = capture.render();
    expect(text).not.toContain('\uFFFD');
    // head: 'a€' (4 bytes); tail: last 4 bytes 'b€' — nothing split.
    expect(text).toBe(`a€\n… [${1 + 3 * 7 + 1 - 8} bytes omitted] …\nb€`);

    // 15 bytes; head keeps e2 82 ac|e2 and tail ac|e2 82 ac: one stray byte at each cut.
    const split = new OutputCapture({ maxOutputBytes: 8 });
    split.push(Buffer.from('€€€€€', 'utf8'), 'stdout');
    expect(split.render()).toBe('€\n… [9 bytes omitted] …\n€');
  });

  it('decodes invalid UTF-8 leniently instead of throwing', () => {
    const capture = new OutputCapture();
    capture.push(Buffer.from([0x66, 0xff, 0xfe, 0x6f, 0xc3]), 'stdout');
    expect(capture.render()).toBe('f\uFFFD\uFFFDo'); // 0xc3 may still be completed
    capture.end();
    expect(capture.render()).toBe('f\uFFFD\uFFFDo\uFFFD');
    expect(capture.totalBytes).toBe(5);
  });

  it('keeps a character split across reads of one stream whole when the other stream interleaves', () => {
    const capture = new OutputCapture();
    capture.push(Buffer.from([0x61, 0xe2, 0x82]), 'stdout'); // 'a' + first 2 bytes of '€'
    capture.push(Buffer.from('err\n'), 'stderr');
    capture.push(Buffer.from([0xac, 0x0a]), 'stdout');
    capture.end();
    expect(capture.render()).toBe('aerr\n€\n');
    expect(capture.streamTail('stdout')).toBe('a€\n');
    expect(capture.totalBytes).toBe(9);
  });

  it('keeps capped per-stream tails', () => {
    const capture = new OutputCapture({ streamTailBytes: 8 });
    capture.push(Buffer.from('stdout-line-1\nstdout-end\n'), 'stdout');
    capture.push(Buffer.from('Traceback\nValueError: x\n'), 'stderr');
    expect(capture.streamTail('stdout')).toBe('out-end\n');
    expect(capture.streamTail('stderr')).toBe('rror: x\n');
  });

  it('rejects nonsense limits', () => {
    expect(() => new OutputCapture({ maxOutputBytes: -1 })).toThrow(RangeError);
    expect(() => new OutputCapture({ streamTailBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('UTF-8 boundaries', () => {
  it('completeUtf8Prefix drops only an incomplete trailing sequence', () => {
    expect(completeUtf8Prefix(Buffer.from('ab'))).toBe(2);
    expect(completeUtf8Prefix(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1);
    expect(completeUtf8Prefix(Buffer.from([0x61, 0xe2, 0x82, 0xac]))).toBe(4);
    expect(completeUtf8Prefix(Buffer.from([0xf0, 0x9f, 0x98]))).toBe(0);
    expect(completeUtf8Prefix(Buffer.from([0xf0, 0x9f, 0x98, 0x80]))).toBe(4);
  });

  it('utf8CharStart skips at most three continuation bytes', () => {
    expect(utf8CharStart(Buffer.from([0x82, 0xac, 0x61]))).toBe(2);
    expect(utf8CharStart(Buffer.from([0x80, 0x80, 0x80, 0x80]))).toBe(3);
    expect(utf8CharStart(Buffer.from('abc'))).toBe(0);
  });
});
