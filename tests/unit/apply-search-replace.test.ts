import { describe, expect, it } from 'vitest';
import { applySearchReplace } from '../../src/agents/apply-search-replace.js';

const FILE = 'def area(w, h):\n    result = w * h\n    return result\n\n\nprint(area(2, 3))\n';

describe('applySearchReplace: exact match', () => {
  it('replaces the matched text and nothing else', () => {
    expect(applySearchReplace(FILE, '    result = w * h\n', '    result = w * h * 1\n')).toBe(FILE.replace('w * h\n', 'w * h * 1\n'));
  });

  it('matches a fragment inside a line', () => {
    expect(applySearchReplace(FILE, 'area(2, 3)', 'area(4, 5)')).toBe(FILE.replace('area(2, 3)', 'area(4, 5)'));
  });

  it('replaces only the first occurrence', () => {
    expect(applySearchReplace('x = 1\ny = 2\nx = 1\n', 'x = 1', 'x = 3')).toBe('x = 3\ny = 2\nx = 1\n');
  });

  it('deletes with an empty REPLACE', () => {
    expect(applySearchReplace(FILE, '\n\nprint(area(2, 3))\n', '\n')).toBe('def area(w, h):\n    result = w * h\n    return result\n\n');
  });

  it('takes the replacement literally ($& and $1 are not patterns)', () => {
    expect(applySearchReplace('a = 1\n', 'a = 1', "a = '$&$1$$'")).toBe("a = '$&$1$$'\n");
  });

  it('keeps a file without a final newline as it is', () => {
    expect(applySearchReplace('a\nb', 'b', 'c')).toBe('a\nc');
  });
});

describe('applySearchReplace: indentation-tolerant match', () => {
  it('matches SEARCH written without indentation and re-indents REPLACE to the file', () => {
    const result = applySearchReplace(FILE, 'result = w * h\nreturn result', 'if w < 0:\n    raise ValueError("w")\nreturn w * h');
    expect(result).toBe('def area(w, h):\n    if w < 0:\n        raise ValueError("w")\n    return w * h\n\n\nprint(area(2, 3))\n');
  });

  it('matches SEARCH written with too much indentation and removes the excess', () => {
    const result = applySearchReplace(FILE, '        result = w * h\n        return result', '        return w * h');
    expect(result).toBe('def area(w, h):\n    return w * h\n\n\nprint(area(2, 3))\n');
  });

  it('ignores trailing whitespace on either side', () => {
    expect(applySearchReplace('a = 1   \nb = 2\t\n', 'a = 1\nb = 2', 'a = 3\nb = 4')).toBe('a = 3\nb = 4\n');
    expect(applySearchReplace('a = 1\nb = 2\nc = 3\n', 'a = 1  \nb = 2  ', 'x = 0')).toBe('x = 0\nc = 3\n');
  });

  it('ignores blank lines around SEARCH and REPLACE', () => {
    expect(applySearchReplace(FILE, '\n\n    result = w * h\n\n', '\n    result = w + h\n\n')).toBe(FILE.replace('w * h', 'w + h'));
  });

  it('keeps the file\'s tabs when the model wrote spaces', () => {
    const file = 'def f():\n\tif x:\n\t\treturn 1\n\treturn 0\n';
    const result = applySearchReplace(file, '    if x:\n        return 1', '    if x:\n        return 2\n    print(x)');
    expect(result).toBe('def f():\n\tif x:\n\t    return 2\n\tprint(x)\n\treturn 0\n');
  });

  it('keeps blank lines inside REPLACE unindented', () => {
    const result = applySearchReplace('class A:\n    def f(self):\n        pass\n', 'def f(self):\n    pass', 'def f(self):\n    pass\n\ndef g(self):\n    pass');
    expect(result).toBe('class A:\n    def f(self):\n        pass\n\n    def g(self):\n        pass\n');
  });

  it('does not match lines that differ in content', () => {
    expect(applySearchReplace(FILE, 'result = w*h', 'x')).toBeNull();
  });
});

describe('applySearchReplace: not found', () => {
  it('returns null when SEARCH is not in the file', () => {
    expect(applySearchReplace(FILE, 'return w + h', 'return 0')).toBeNull();
    expect(applySearchReplace('', 'anything', 'x')).toBeNull();
  });

  it('returns null when only part of a multi-line SEARCH matches', () => {
    expect(applySearchReplace(FILE, 'result = w * h\nreturn 0', 'x')).toBeNull();
  });
});

describe('applySearchReplace: empty SEARCH', () => {
  it('creates a file from an empty one', () => {
    expect(applySearchReplace('', '', 'print(1)')).toBe('print(1)\n');
    expect(applySearchReplace('', '\n  \n', 'print(1)\n')).toBe('print(1)\n');
  });

  it('appends to an existing file, adding the missing newline first', () => {
    expect(applySearchReplace(FILE, '', 'print(area(1, 1))')).toBe(`${FILE}print(area(1, 1))\n`);
    expect(applySearchReplace('a = 1', '', 'b = 2')).toBe('a = 1\nb = 2\n');
  });
});
