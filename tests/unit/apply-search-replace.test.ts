import { describe, expect, it } from 'vitest';
import { applySearchReplace, type SearchReplaceResult } from '../../src/agents/apply-search-replace.js';

const FILE = 'def area(w, h):\n    result = w * h\n    return result\n\n\nprint(area(2, 3))\n';

/** The new content, or the refusal's text prefixed with `REFUSED: ` so a wrong outcome reads clearly. */
const apply = (content: string, search: string, replace: string): string => show(applySearchReplace(content, search, replace));
function show(result: SearchReplaceResult): string {
  return result.ok ? result.content : `REFUSED: ${result.reason}`;
}
const levelOf = (content: string, search: string, replace: string): string => {
  const result = applySearchReplace(content, search, replace);
  return result.ok ? result.level : 'refused';
};

describe('applySearchReplace: whole lines only', () => {
  it('replaces the matched line and nothing else', () => {
    expect(apply(FILE, '    result = w * h', '    result = w * h * 1')).toBe(FILE.replace('w * h\n', 'w * h * 1\n'));
    expect(levelOf(FILE, '    result = w * h', 'x')).toBe('exact');
  });

  it('never matches inside a line: a one-line SEARCH that is the start of another line is not found', () => {
    // The bug this fixes: `    return x` matched the start of `    return x + 1` and changed the wrong line.
    const file = 'def f(x):\n    return x + 1\n';
    const result = applySearchReplace(file, '    return x', '    return -x');
    expect(result.ok).toBe(false);
    expect(show(result)).toContain('does not match whole lines');
    expect(show(result)).toContain('Did you mean these lines (line 2)?\n```\n    return x + 1\n```');
  });

  it('does not match a fragment in the middle of a line', () => {
    expect(applySearchReplace(FILE, 'area(2, 3)', 'area(4, 5)').ok).toBe(false);
  });

  it('takes the replacement literally ($& and $1 are not patterns)', () => {
    expect(apply('a = 1\n', 'a = 1', "a = '$&$1$$'")).toBe("a = '$&$1$$'\n");
  });

  it('keeps a file without a final newline as it is, and one with a final newline with it', () => {
    expect(apply('a\nb', 'b', 'c')).toBe('a\nc');
    expect(apply('a\nb\n', 'b', 'c')).toBe('a\nc\n');
  });

  it('matches a SEARCH that ends with a blank line together with that blank line', () => {
    expect(apply('a\n\nb\nc\n', 'a\n', 'x\n')).toBe('x\n\nb\nc\n');
  });
});

describe('applySearchReplace: trailing whitespace', () => {
  it('ignores trailing whitespace on either side', () => {
    expect(apply('a = 1   \nb = 2\t\n', 'a = 1\nb = 2', 'a = 3\nb = 4')).toBe('a = 3\nb = 4\n');
    expect(apply('a = 1\nb = 2\nc = 3\n', 'a = 1  \nb = 2  ', 'x = 0')).toBe('x = 0\nc = 3\n');
    expect(levelOf('a = 1   \n', 'a = 1', 'x')).toBe('trailing-whitespace');
  });

  it('ignores blank lines around SEARCH and REPLACE', () => {
    expect(apply(FILE, '\n\n    result = w * h\n\n', '\n    result = w + h\n\n')).toBe(FILE.replace('w * h', 'w + h'));
  });
});

describe('applySearchReplace: indentation', () => {
  it('matches SEARCH written without indentation and re-indents REPLACE to the file', () => {
    const result = apply(FILE, 'result = w * h\nreturn result', 'if w < 0:\n    raise ValueError("w")\nreturn w * h');
    expect(result).toBe('def area(w, h):\n    if w < 0:\n        raise ValueError("w")\n    return w * h\n\n\nprint(area(2, 3))\n');
    expect(levelOf(FILE, 'result = w * h\nreturn result', 'x')).toBe('indentation');
  });

  it('matches SEARCH written with too much indentation and removes the excess', () => {
    expect(apply(FILE, '        result = w * h\n        return result', '        return w * h')).toBe(
      'def area(w, h):\n    return w * h\n\n\nprint(area(2, 3))\n',
    );
  });

  it("keeps the file's tabs when the model wrote spaces, level for level", () => {
    const file = 'def f():\n\tif x:\n\t\treturn 1\n\treturn 0\n';
    expect(apply(file, '    if x:\n        return 1', '    if x:\n        return 2\n    print(x)')).toBe(
      'def f():\n\tif x:\n\t\treturn 2\n\tprint(x)\n\treturn 0\n',
    );
  });

  it('keeps blank lines inside REPLACE unindented', () => {
    const result = apply(
      'class A:\n    def f(self):\n        pass\n',
      'def f(self):\n    pass',
      'def f(self):\n    pass\n\ndef g(self):\n    pass',
    );
    expect(result).toBe('class A:\n    def f(self):\n        pass\n\n    def g(self):\n        pass\n');
  });

  it('still needs every line to match', () => {
    expect(applySearchReplace(FILE, 'result = w*h', 'x').ok).toBe(false);
    expect(applySearchReplace(FILE, 'result = w * h\nreturn 0', 'x').ok).toBe(false);
  });
});

describe('applySearchReplace: "..." elision', () => {
  const file = 'def f():\n    a = 1\n    b = 2\n    c = 3\n    return a\n\ndef g():\n    return 2\n';

  it('splits SEARCH and REPLACE at "..." lines and replaces each piece in order', () => {
    const search = 'def f():\n    a = 1\n...\n    return a';
    const replace = 'def f():\n    a = 10\n...\n    return a + c';
    expect(apply(file, search, replace)).toBe(file.replace('a = 1\n', 'a = 10\n').replace('return a\n', 'return a + c\n'));
    expect(levelOf(file, search, replace)).toBe('elision');
  });

  it('uses the file\'s own "..." line when the file has one (levels 1-3 first)', () => {
    const stub = 'def f(): ...\nx = [\n    ...\n]\n';
    expect(apply(stub, 'x = [\n    ...\n]', 'x = []')).toBe('def f(): ...\nx = []\n');
  });

  it('refuses when REPLACE does not have the same "..." lines', () => {
    const result = show(applySearchReplace(file, 'def f():\n...\n    return a', 'def f():\n    return 0'));
    expect(result).toBe(
      'REFUSED: SEARCH has 1 "..." line(s) but REPLACE has 0; use the same "..." lines in both, or copy the lines in full',
    );
  });

  it('refuses a piece that matches several places after the previous one', () => {
    const twice = 'def f():\n    x = 1\n    return x\n\ndef g():\n    x = 1\n    return x\n';
    const result = show(applySearchReplace(twice, 'def f():\n...\n    x = 1\n...', 'def f():\n...\n    x = 2\n...'));
    expect(result).toContain('the part of SEARCH before "..." number 2 matches 2 places (lines 2, 6); nothing was changed');
  });

  it('reports a piece that is missing like any missing SEARCH', () => {
    expect(show(applySearchReplace(file, 'def f():\n...\n    return zzz', 'def f():\n...\n    return 0'))).toContain(
      'does not match whole lines',
    );
  });
});

describe('applySearchReplace: ambiguity is refused, never guessed', () => {
  it('refuses a SEARCH that matches several places exactly, naming the lines', () => {
    const result = show(applySearchReplace('x = 1\ny = 2\nx = 1\n', 'x = 1', 'x = 3'));
    expect(result).toBe(
      'REFUSED: the SEARCH text matches 2 places (lines 1, 3); nothing was changed. Add the lines around it so that SEARCH matches exactly one place',
    );
  });

  it('refuses an ambiguous match at a looser level too', () => {
    expect(show(applySearchReplace('    line1\n    line2\n    line1\n', 'line1', 'new'))).toContain('matches 2 places (lines 1, 3)');
  });

  it('lists at most five places', () => {
    const many = 'x\n'.repeat(9);
    expect(show(applySearchReplace(many, 'x', 'y'))).toContain('matches more than 5 places (lines 1, 2, 3, 4, 5 and more)');
  });

  it('takes an indented exact match over looser ones elsewhere', () => {
    expect(apply('    a = 1\n  a = 1\n', '  a = 1', '  a = 2')).toBe('    a = 1\n  a = 2\n');
  });

  it('refuses a column-0 exact match when the lines also stand indented elsewhere (it may be a dedented copy, #18)', () => {
    expect(show(applySearchReplace('  a = 1\na = 1\n', 'a = 1', 'a = 2'))).toContain('matches 2 places (lines 1, 2)');
  });
});

describe('applySearchReplace: a deletion removes the matched lines and nothing else (#18)', () => {
  it('leaves the blank lines around a deleted function as they were', () => {
    const file = 'import os\n\n\ndef old():\n    pass\n\n\ndef keep():\n    pass\n';
    expect(apply(file, 'def old():\n    pass', '')).toBe('import os\n\n\n\n\ndef keep():\n    pass\n');
  });

  it("deletes a function with the blank line after it when SEARCH includes it (Aider's factorial example)", () => {
    const file = 'app = 1\n\n\ndef factorial(n):\n    return 1\n\n@route\ndef get():\n    pass\n';
    expect(apply(file, 'def factorial(n):\n    return 1\n\n', '')).toBe('app = 1\n\n\n@route\ndef get():\n    pass\n');
  });

  it('deletes the last lines with the blank lines before them only when SEARCH holds those', () => {
    expect(apply(FILE, 'print(area(2, 3))', '')).toBe('def area(w, h):\n    result = w * h\n    return result\n\n\n');
    expect(apply(FILE, '    return result\n\n\nprint(area(2, 3))', '    return result')).toBe(
      'def area(w, h):\n    result = w * h\n    return result\n',
    );
  });

  it('deletes the first lines and not the blank line after them', () => {
    expect(apply('import os\n\nx = 1\n', 'import os', '')).toBe('\nx = 1\n');
  });

  it('an empty REPLACE is no lines, and a REPLACE of one blank line is one blank line', () => {
    expect(apply('a\nb\nc\n', 'b', '')).toBe('a\nc\n');
    expect(apply('a\nb\nc\n', 'b\n', '\n')).toBe('a\n\nc\n');
  });
});

describe('applySearchReplace: the correction when nothing matches', () => {
  it('quotes the closest lines of the file with their line numbers', () => {
    const result = show(applySearchReplace(FILE, '    result = w * h  # area\n    return result', 'x'));
    expect(result).toBe(
      'REFUSED: the SEARCH text does not match whole lines of the file; nothing was changed. ' +
        'Did you mean these lines (lines 2-3)?\n```\n    result = w * h\n    return result\n```\nCopy SEARCH from the file exactly, whole lines only',
    );
  });

  it('says when no line of the file looks like SEARCH', () => {
    const result = show(applySearchReplace(FILE, 'zzzz qqqq', 'x'));
    expect(result).toBe(
      'REFUSED: the SEARCH text does not match whole lines of the file; nothing was changed. No lines of the file look like it: READ the file and copy SEARCH from it exactly, whole lines only',
    );
  });

  it('says when the REPLACE text is already in the file', () => {
    const file = 'def f(x):\n    return x + 1\n';
    const result = show(applySearchReplace(file, '    return x', '    return x + 1'));
    expect(result).toContain(
      'The REPLACE text is already in the file (line 2): this change may already be made; if so, send no edit for it',
    );
  });

  it('quotes with a longer fence when the lines hold a fence', () => {
    const file = '# Demo\n```python\nprint(1)\n```\n';
    const result = show(applySearchReplace(file, '```python\nprint(2)', 'x'));
    expect(result).toContain('````\n```python\nprint(1)\n````');
  });

  it('refuses SEARCH on an empty file', () => {
    expect(applySearchReplace('', 'anything', 'x').ok).toBe(false);
  });
});

describe('applySearchReplace: empty SEARCH', () => {
  it('creates a file from an empty one', () => {
    expect(apply('', '', 'print(1)')).toBe('print(1)\n');
    expect(apply('', '\n  \n', 'print(1)\n')).toBe('print(1)\n');
  });

  it('appends to an existing file, adding the missing newline first', () => {
    expect(apply(FILE, '', 'print(area(1, 1))')).toBe(`${FILE}print(area(1, 1))\n`);
    expect(apply('a = 1', '', 'b = 2')).toBe('a = 1\nb = 2\n');
  });
});
