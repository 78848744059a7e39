import { describe, expect, it } from 'vitest';
import { failureFingerprint, normaliseErrorLine, StagnationDetector, type FailureEvidence } from '../../src/sessions/stagnation.js';

const failure = (stderrTail: string, extra: Partial<FailureEvidence> = {}): FailureEvidence => ({
  exitCode: 1,
  timedOut: false,
  stderrTail,
  stdoutTail: '',
  codeHash: 'code-a',
  ...extra,
});

const pythonTraceback = (root: string, lines: readonly number[], message: string): string => `Traceback (most recent call last):
  File "${root}/main.py", line ${lines[0]}, in <module>
    main()
  File "${root}/main.py", line ${lines[1]}, in main
    print(primes(10))
  File "${root}/lib/primes.py", line ${lines[2]}, in primes
    return [x for x in candidates(n)]
${message}`;

describe('normaliseErrorLine', () => {
  it('removes paths, line numbers, addresses and timings', () => {
    expect(normaliseErrorLine('  File "/tmp/wt/a-1/main.py", line 12, in <module>')).toBe('File "…", line …, in <module>');
    expect(normaliseErrorLine('    at Object.<anonymous> (/home/me/w/main.js:3:15)')).toBe('at Object.<anonymous> (…:…)');
    expect(normaliseErrorLine('ValueError: bad node <__main__.Node object at 0x7f3a2b1c0d90>')).toBe(
      'ValueError: bad node <__main__.Node object at 0x…>',
    );
    expect(normaliseErrorLine('Ran 3 tests in 0.002s')).toBe('Ran 3 tests in …s');
    expect(normaliseErrorLine("FileNotFoundError: [Errno 2] No such file or directory: 'data/in.txt'")).toBe(
      "FileNotFoundError: [Errno 2] No such file or directory: '…'",
    );
  });

  it('keeps the exception type and message', () => {
    for (const line of [
      "NameError: name 'rng' is not defined",
      'ZeroDivisionError: division by zero',
      'AssertionError: expected 42, got 41',
    ]) {
      expect(normaliseErrorLine(line)).toBe(line);
    }
  });

  it('collapses whitespace', () => {
    expect(normaliseErrorLine('  a \t  b  ')).toBe('a b');
  });
});

describe('failureFingerprint', () => {
  it('is the same for tracebacks that differ only in paths and line numbers', () => {
    const first = pythonTraceback('/tmp/worktrees/r-1/primes-a', [12, 8, 3], "NameError: name 'candidates' is not defined");
    const second = pythonTraceback(
      '/Users/me/Library/Application Support/MLX Factory/worktrees/r-2/primes-b',
      [14, 9, 5],
      "NameError: name 'candidates' is not defined",
    );
    expect(failureFingerprint(failure(first))).toBe(failureFingerprint(failure(second)));
  });

  it('is the same for crashes that differ only in memory addresses', () => {
    const crash = (address: string, root: string, line: number) =>
      `Fatal Python error: Segmentation fault\n\nCurrent thread ${address} (most recent call first):\n  File "${root}/main.py", line ${line} in <module>`;
    expect(failureFingerprint(failure(crash('0x00007f8a1c2b3740', '/a', 3)))).toBe(
      failureFingerprint(failure(crash('0x00007ffe99999999', '/b/c', 9))),
    );
  });

  it('is the same for Node stack traces from different worktrees', () => {
    const trace = (root: string, line: number, column: number) =>
      `${root}/main.js:${line}\n  foo();\n  ^\n\nReferenceError: foo is not defined\n    at Object.<anonymous> (${root}/main.js:${line}:${column})\n    at Module._compile (node:internal/modules/cjs/loader:1554:14)`;
    expect(failureFingerprint(failure(trace('/tmp/w1', 3, 3)))).toBe(failureFingerprint(failure(trace('/tmp/w2/x', 7, 5))));
  });

  it('is the same when only timings differ', () => {
    const run = (seconds: string) =>
      `FAIL: test_primes (test_main.TestPrimes)\nAssertionError: 9 != 10\n\nRan 1 test in ${seconds}s\n\nFAILED (failures=1)`;
    expect(failureFingerprint(failure(run('0.001')))).toBe(failureFingerprint(failure(run('0.013'))));
  });

  it('differs when the exception message differs', () => {
    const a = pythonTraceback('/w', [1, 2, 3], "NameError: name 'candidates' is not defined");
    const b = pythonTraceback('/w', [1, 2, 3], "NameError: name 'candidate' is not defined");
    const c = pythonTraceback('/w', [1, 2, 3], 'TypeError: candidates() missing 1 required positional argument');
    expect(failureFingerprint(failure(a))).not.toBe(failureFingerprint(failure(b)));
    expect(failureFingerprint(failure(a))).not.toBe(failureFingerprint(failure(c)));
    expect(failureFingerprint(failure('AssertionError: expected 42, got 41'))).not.toBe(
      failureFingerprint(failure('AssertionError: expected 42, got 40')),
    );
  });

  it('differs between a timeout and an error exit', () => {
    expect(failureFingerprint(failure('', { exitCode: null, timedOut: true }))).not.toBe(failureFingerprint(failure('', { exitCode: 1 })));
    expect(failureFingerprint(failure('boom', { exitCode: 1 }))).not.toBe(failureFingerprint(failure('boom', { exitCode: 2 })));
  });

  it('looks only at the last error lines', () => {
    const tail = 'line a\nline b\nline c\nline d\nValueError: x';
    expect(failureFingerprint(failure(`warming up 1\nwarming up 2\n${tail}`))).toBe(
      failureFingerprint(failure(`something else entirely\n${tail}\n\n`)),
    );
  });

  describe('wrong output with no stderr', () => {
    it('is fingerprinted (the seed skipped it) from the output and the code', () => {
      const a = failure('', { exitCode: 0, stdoutTail: '2\n3\n5\n7\n9\n', codeHash: 'code-a' });
      expect(failureFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
      expect(failureFingerprint(a)).toBe(failureFingerprint({ ...a }));
    });

    it('differs when the code changed, even with the same output', () => {
      const a = failure('', { exitCode: 0, stdoutTail: '2\n3\n5\n7\n9\n', codeHash: 'code-a' });
      expect(failureFingerprint(a)).not.toBe(failureFingerprint({ ...a, codeHash: 'code-b' }));
    });

    it('differs when the output changed', () => {
      const a = failure('', { exitCode: 0, stdoutTail: '2\n3\n5\n7\n9\n', codeHash: 'code-a' });
      expect(failureFingerprint(a)).not.toBe(failureFingerprint({ ...a, stdoutTail: '2\n3\n5\n7\n11\n' }));
    });

    it('treats whitespace-only stderr as no stderr', () => {
      const a = failure('\n  \n', { exitCode: 0, stdoutTail: 'wrong', codeHash: 'code-a' });
      expect(failureFingerprint(a)).not.toBe(failureFingerprint({ ...a, codeHash: 'code-b' }));
    });
  });

  it('ignores the code hash when there is stderr (the same error from new code is still stuck)', () => {
    const error = "NameError: name 'candidates' is not defined";
    expect(failureFingerprint(failure(error, { codeHash: 'a' }))).toBe(failureFingerprint(failure(error, { codeHash: 'b' })));
  });
});

describe('StagnationDetector', () => {
  it('fires on the Nth consecutive repeat', () => {
    const detector = new StagnationDetector(3);
    expect(detector.record('x')).toBe(false);
    expect(detector.record('x')).toBe(false);
    expect(detector.record('x')).toBe(true);
  });

  it('counts a repeated Coder reply as the same failure, into the same threshold', () => {
    const detector = new StagnationDetector(3);
    expect(detector.record('a')).toBe(false);
    expect(detector.record('b', true)).toBe(false); // different output, same reply: streak 2, not a stop
    expect(detector.record('c', true)).toBe(true); // streak 3
  });

  it('a repeated reply after a different failure continues that failure’s streak', () => {
    const detector = new StagnationDetector(3);
    expect(detector.record('a')).toBe(false);
    expect(detector.record('a')).toBe(false);
    expect(detector.record('z', true)).toBe(true);
    const fresh = new StagnationDetector(2);
    expect(fresh.record('a', true)).toBe(false); // nothing to repeat yet
  });

  it('resets on a different fingerprint', () => {
    const detector = new StagnationDetector(3);
    expect(detector.record('x')).toBe(false);
    expect(detector.record('x')).toBe(false);
    expect(detector.record('y')).toBe(false);
    expect(detector.record('x')).toBe(false);
    expect(detector.record('x')).toBe(false);
    expect(detector.record('x')).toBe(true);
  });

  it('never fires on alternating failures', () => {
    const detector = new StagnationDetector(2);
    for (let i = 0; i < 10; i += 1) expect(detector.record(i % 2 === 0 ? 'a' : 'b')).toBe(false);
  });

  it('works with the smallest threshold', () => {
    const detector = new StagnationDetector(2);
    expect(detector.record('a')).toBe(false);
    expect(detector.record('a')).toBe(true);
  });

  it('fires on real fingerprints of the same bug from different runs', () => {
    const detector = new StagnationDetector(3);
    const fired = [
      [10, 5, 2],
      [11, 6, 3],
      [15, 9, 4],
    ].map((lines, i) =>
      detector.record(
        failureFingerprint(
          failure(pythonTraceback(`/tmp/run-${i}`, lines, 'IndexError: list index out of range'), { codeHash: `hash-${i}` }),
        ),
      ),
    );
    expect(fired).toEqual([false, false, true]);
  });
});
