import { describe, expect, it } from 'vitest';
import { isCodeFile, isTestFile, notPickedBecause, parseNumstat } from '../../src/workspace/git/history-candidates.js';

describe('eval from history: which commits are tasks', () => {
  it('tells test files from code by the usual conventions', () => {
    for (const f of [
      'tests/test_cli.py',
      'test_x.py',
      'pkg/x_test.go',
      'src/a.test.ts',
      'web/b.spec.jsx',
      'spec/models/user_spec.rb',
      'src/FooTest.java',
      '__tests__/c.js',
    ])
      expect(isTestFile(f), f).toBe(true);
    for (const f of ['src/cli.py', 'pkg/x.go', 'src/a.ts', 'lib/contest.py']) expect(isTestFile(f), f).toBe(false);
    expect(isCodeFile('src/cli.py')).toBe(true);
    expect(isCodeFile('README.md')).toBe(false);
    expect(isCodeFile('tests/test_cli.py')).toBe(false);
  });

  it('reads numstat -z and says why a commit is not picked', () => {
    const files = parseNumstat('3\t1\tsrc/a.py\x002\t0\ttests/test_a.py\x00');
    expect(files).toEqual([
      { path: 'src/a.py', lines: 4 },
      { path: 'tests/test_a.py', lines: 2 },
    ]);
    expect(notPickedBecause(files)).toBeNull();
    expect(notPickedBecause(parseNumstat('-\t-\tlogo.png\x001\t0\ttests/test_a.py\x00'))).toBe('it changes a binary file');
    expect(notPickedBecause(parseNumstat('3\t1\tsrc/a.py\x00'))).toBe('it changes no test file');
    expect(notPickedBecause(parseNumstat('3\t1\tREADME.md\x001\t0\ttests/test_a.py\x00'))).toBe('it changes no code file');
    expect(notPickedBecause(parseNumstat('700\t0\tsrc/a.py\x001\t0\ttests/test_a.py\x00'))).toContain('701 lines');
  });
});
