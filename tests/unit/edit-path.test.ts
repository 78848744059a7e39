import { describe, expect, it } from 'vitest';
import { checkRelativePath, pathFromLine, pathsInSentence } from '../../src/agents/edit-path.js';

describe('pathFromLine', () => {
  it.each([
    ['main.py', 'main.py'],
    ['  main.py  ', 'main.py'],
    ['**main.py**', 'main.py'],
    ['__main.py__', 'main.py'],
    ['`main.py`', 'main.py'],
    ["'main.py'", 'main.py'],
    ['"main.py"', 'main.py'],
    ['**`src/app.py`**', 'src/app.py'],
    ['### main.py', 'main.py'],
    ['# `main.py`', 'main.py'],
    ['- main.py', 'main.py'],
    ['* `main.py`', 'main.py'],
    ['File: main.py', 'main.py'],
    ['FILE: main.py', 'main.py'],
    ['Filename: main.py', 'main.py'],
    ['path: src/a.ts', 'src/a.ts'],
    ['**File:** `main.py`', 'main.py'],
    ['**Filename:** main.py', 'main.py'],
    ['**File: main.py**', 'main.py'],
    ['main.py:', 'main.py'],
    ['`main.py`:', 'main.py'],
    ['Here is the updated `main.py`:', 'main.py'],
    ['In `src/app.py`, change:', 'src/app.py'],
    ['.env', '.env'],
    ['src/app.test.ts', 'src/app.test.ts'],
    ['Makefile', 'Makefile'],
    ['docker/Dockerfile', 'docker/Dockerfile'],
    ['bin/run', 'bin/run'],
    ['données/é.py', 'données/é.py'],
    ['`my dir/my file.py`', 'my dir/my file.py'],
    ['[file1.py]', 'file1.py'],
    ['[FILE: src/file1.py]', 'src/file1.py'],
    ['[id].jsx', '[id].jsx'],
    ['Creating new file `src/x.ts`', 'src/x.ts'],
    ['Updated `src/lib/schemas.ts`', 'src/lib/schemas.ts'],
    ['I changed `main.py` to fix the bug.', 'main.py'],
    ['Save it in the file app.py:', 'app.py'],
  ])('%j → %s', (line, expected) => {
    expect(pathFromLine(line)).toBe(expected);
  });

  it.each([
    '',
    'Here is the code:',
    'Solution',
    'Explanation',
    'Note: see the docs.',
    'e.g.',
    'my file.py',
    'Edit `a.py` and `b.py`:',
    'Run it with `python main.py`:',
    'print(1)',
    '<main.py>',
    '```python',
  ])('%j is not a path', (line) => {
    expect(pathFromLine(line)).toBeUndefined();
  });

  it('accepts a file named in a sentence only when sentences are allowed', () => {
    expect(pathFromLine('Here is the updated `main.py`:', { sentences: false })).toBeUndefined();
    expect(pathFromLine('**`main.py`**', { sentences: false })).toBe('main.py');
    expect(pathFromLine('File: main.py', { sentences: false })).toBe('main.py');
  });

  it('takes an extension-less name only when it is known (exists, or the task names it)', () => {
    expect(pathFromLine('tmpq7x2k9ab')).toBeUndefined();
    expect(pathFromLine('tmpq7x2k9ab', { knownPaths: new Set(['tmpq7x2k9ab']) })).toBe('tmpq7x2k9ab');
    expect(pathFromLine('`hello`', { knownPaths: new Set(['hello']) })).toBe('hello');
    expect(pathFromLine('Solution', { knownPaths: new Set(['hello']) })).toBeUndefined();
  });
});

describe('pathsInSentence', () => {
  it.each([
    ['Edit `a.py` and `b.py`:', ['a.py', 'b.py']],
    ['Update the `app.py` file and `app.py` again', ['app.py']],
    ['Run it with `python main.py`:', []],
    ['This file is too long.', []],
    ['the file src/a.ts, then', ['src/a.ts']],
    ['Creating new file `src/lib/server/edgedb.ts`', ['src/lib/server/edgedb.ts']],
  ])('%j → %j', (line, expected) => {
    expect(pathsInSentence(line)).toEqual(expected);
  });
});

describe('checkRelativePath', () => {
  it.each([
    ['main.py', 'main.py'],
    ['./main.py', 'main.py'],
    ['src/./pkg//mod.py', 'src/pkg/mod.py'],
    ['src/pkg/../mod.py', 'src/mod.py'],
    ['src\\pkg\\mod.py', 'src/pkg/mod.py'],
    ['  main.py ', 'main.py'],
    ['.gitignore', '.gitignore'],
    ['.github/workflows/ci.yml', '.github/workflows/ci.yml'],
    ['données/é.py', 'données/é.py'],
    ['my dir/my file.py', 'my dir/my file.py'],
    ['..hidden/x.py', '..hidden/x.py'],
    ['日本語/ファイル.py', '日本語/ファイル.py'],
    ['Ελληνικά.md', 'Ελληνικά.md'],
    ['emoji-🙂.txt', 'emoji-🙂.txt'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(checkRelativePath(raw)).toEqual({ ok: true, path: expected });
  });

  it.each([
    ['../x.py', 'leaves the worktree'],
    ['..', 'leaves the worktree'],
    ['a/../../x', 'leaves the worktree'],
    ['a/b/../../../x.py', 'leaves the worktree'],
    ['..\\x.py', 'leaves the worktree'],
    // The seed checked containment with a string prefix, so a sibling `<worktree>-evil` folder passed.
    ['../primes-2603141509-a1b2c3-evil/x.py', 'leaves the worktree'],
    ['/etc/passwd', 'absolute'],
    ['/', 'absolute'],
    ['~/.ssh/authorized_keys', 'absolute'],
    ['~root/x', 'absolute'],
    ['C:\\Users\\x.py', 'absolute'],
    ['c:/x.py', 'absolute'],
    ['.git/config', '.git'],
    ['.git', '.git'],
    ['sub/.git/HEAD', '.git'],
    ['./.git/hooks/pre-commit', '.git'],
    ['.', 'leaves the worktree'],
    ['', 'leaves the worktree'],
    ['a\u0000b.py', 'control character'],
    ['a\nb.py', 'control character'],
    ['a\tb.py', 'control character'],
    ['a\u001bb.py', 'control character'],
    ['a\u0085b.py', 'control character'],
    ['a\u007fb.py', 'control character'],
    ['evil\u202Eyp.exe', 'bidirectional text control'],
    ['a\u2066b\u2069.py', 'bidirectional text control'],
    ['a\u200Fb.py', 'bidirectional text control'],
    ['a\u061Cb.py', 'bidirectional text control'],
    // One dot leader (U+2024) twice: NFKC makes it `..`.
    ['\u2024\u2024/x', 'U+2024, a look-alike of ".", "/" or "\\"'],
    ['\u2025/x', 'U+2025'],
    ['a\uFF0Fb.py', 'U+FF0F'],
    ['a\uFF3Cb.py', 'U+FF3C'],
    ['x\uFE52py', 'U+FE52'],
    ['\uFF0E\uFF0E/etc/passwd', 'U+FF0E'],
  ])('refuses %j', (raw, reason) => {
    const check = checkRelativePath(raw);
    expect(check.ok).toBe(false);
    expect(check.path).toBe(raw);
    if (!check.ok) expect(check.reason).toContain(reason);
  });
});
