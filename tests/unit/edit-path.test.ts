import { describe, expect, it } from 'vitest';
import { checkRelativePath, pathFromLine } from '../../src/agents/edit-path.js';

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

  it('needs the sentence to introduce a block (end with a colon)', () => {
    expect(pathFromLine('I changed `main.py` to fix the bug.')).toBeUndefined();
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
  ])('refuses %j', (raw, reason) => {
    const check = checkRelativePath(raw);
    expect(check.ok).toBe(false);
    expect(check.path).toBe(raw);
    if (!check.ok) expect(check.reason).toContain(reason);
  });
});
