import { describe, expect, it } from 'vitest';
import { parseCoderReply, type ParseContext, type ParsedCoderReply } from '../../src/agents/parse-coder-reply.js';

/** The seed's case: nothing in the worktree yet. */
const EMPTY: ParseContext = { existingFiles: [], filesInPlay: [] };
/** Two Python files in play: a pathless block cannot be attributed, so a path must come from the reply. */
const TWO_PY: ParseContext = { existingFiles: ['main.py', 'util.py', 'README.md'], filesInPlay: ['main.py', 'util.py'] };
/** Exactly one Python file in play. */
const ONE_PY: ParseContext = { existingFiles: ['app.py', 'README.md'], filesInPlay: ['app.py'] };

const parse = (reply: string, context: ParseContext = TWO_PY): ParsedCoderReply => parseCoderReply(reply, context);
const fence = (language: string, body: string): string => `\`\`\`${language}\n${body}\n\`\`\``;
const wholeFile = (path: string, content: string) => ({ kind: 'whole-file', path, content });
/** SEARCH and REPLACE as the parser gives them: each line ends with a newline ('' is no lines). */
const section = (lines: string): string => (lines === '' ? '' : `${lines}\n`);
const searchReplace = (path: string, search: string, replace: string) => ({
  kind: 'search-replace',
  path,
  search: section(search),
  replace: section(replace),
});

const CODE = 'def add(a, b):\n    return a + b\n\nprint(add(2, 3))';

describe('parseCoderReply: whole file after a path line', () => {
  it.each([
    ['plain path', 'src/app.py'],
    ['bold', '**src/app.py**'],
    ['bold with a colon', '**src/app.py:**'],
    ['underscore bold', '__src/app.py__'],
    ['backticks', '`src/app.py`'],
    ['bold backticks', '**`src/app.py`**'],
    ['heading', '### src/app.py'],
    ['heading with backticks', '## `src/app.py`'],
    ['list bullet', '- `src/app.py`'],
    ['File: label', 'File: src/app.py'],
    ['lower-case file: label', 'file: src/app.py'],
    ['Filename: label', 'Filename: `src/app.py`'],
    ['Path: label', 'Path: src/app.py'],
    ['bold label', '**File:** `src/app.py`'],
    ['bold label and path', '**File: src/app.py**'],
    ['trailing colon', 'src/app.py:'],
    ['square brackets', '[src/app.py]'],
    ['square brackets with a label', '[FILE: src/app.py]'],
  ])('%s: %s', (_label, pathLine) => {
    const parsed = parse(`Sure, here you go.\n\n${pathLine}\n${fence('python', CODE)}\n\nThat should work.`);
    expect(parsed.edits).toEqual([wholeFile('src/app.py', `${CODE}\n`)]);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.toolCallsAsText).toBe(false);
  });

  it.each([
    ['a sentence introducing it', 'Here is the updated `src/app.py`:'],
    ['a sentence with two backticked words, one a path', 'Save this as `src/app.py` and run `python src/app.py`:'],
    ['a label line this parser has no rule for', 'Creating new file `src/app.py`'],
    ['a sentence without a colon', 'I changed `src/app.py` to fix the bug.'],
    ['a bare path after the word "file"', 'Put this in the file src/app.py'],
  ])('takes the one file a sentence before the block names (%s), marked as inferred', (_label, sentence) => {
    const parsed = parse(`${sentence}\n${fence('python', CODE)}`);
    expect(parsed.edits).toEqual([{ ...wholeFile('src/app.py', `${CODE}\n`), pathInferred: true }]);
  });

  it('refuses, never guesses, when the sentence before a block names several files', () => {
    const parsed = parse(`Update \`main.py\` and \`util.py\`:\n${fence('python', CODE)}`);
    expect(parsed.edits).toEqual([]);
    expect(parsed.rejected).toEqual([
      {
        path: 'main.py',
        reason:
          "the line before a code block names several files (main.py, util.py), so it was not written; put the file's path alone on the line before its block",
      },
    ]);
  });

  it('gives each block the file named in the sentence before it (not the only file in play)', () => {
    const reply = `Updated \`app.py\`\n${fence('python', CODE)}\n\nCreating new file \`lib/extra.py\`\n${fence('python', 'X = 1')}`;
    expect(parse(reply, ONE_PY).edits).toEqual([
      { ...wholeFile('app.py', `${CODE}\n`), pathInferred: true },
      { ...wholeFile('lib/extra.py', 'X = 1\n'), pathInferred: true },
    ]);
  });

  it('reads an extension-less path that exists, or that the task names', () => {
    const context: ParseContext = { existingFiles: ['tmpq7x2k9ab', 'main.py'], filesInPlay: ['tmpq7x2k9ab'] };
    expect(parse(`tmpq7x2k9ab\n${fence('', 'new')}`, context).edits).toEqual([wholeFile('tmpq7x2k9ab', 'new\n')]);
    expect(parse('tmpq7x2k9ab\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE', context).edits).toEqual([
      searchReplace('tmpq7x2k9ab', 'old', 'new'),
    ]);
    const task: ParseContext = {
      existingFiles: ['main.py'],
      filesInPlay: ['main.py'],
      taskText: 'Write a shell script named `hello` that prints hi.',
    };
    expect(parse(`hello\n${fence('sh', 'echo hi')}`, task).edits).toEqual([wholeFile('hello', 'echo hi\n')]);
    // A bare word nobody named is still prose.
    expect(parse(`hello\n${fence('sh', 'echo hi')}`, TWO_PY).edits).toEqual([]);
  });

  it('drops a path/to/ prefix copied from an example when the bare name is a file in play', () => {
    const context: ParseContext = { existingFiles: ['sample.txt', 'src/deep/app.py'], filesInPlay: ['sample.txt', 'src/deep/app.py'] };
    expect(parse(`path/to/sample.txt\n${fence('', 'Updated')}`, context).edits).toEqual([wholeFile('sample.txt', 'Updated\n')]);
    expect(parse(`path/to/app.py\n${fence('python', 'x = 1')}`, context).edits).toEqual([wholeFile('src/deep/app.py', 'x = 1\n')]);
    // Not in play: the path is taken as written.
    expect(parse(`path/to/new.txt\n${fence('', 'x')}`, context).edits).toEqual([wholeFile('path/to/new.txt', 'x\n')]);
  });

  it('allows one blank line between the path line and the fence', () => {
    expect(parse(`src/app.py\n\n${fence('python', CODE)}`).edits).toEqual([wholeFile('src/app.py', `${CODE}\n`)]);
  });

  it.each([
    ['language then path', '```python src/app.py'],
    ['path alone', '```src/app.py'],
    ['language:path', '```python:src/app.py'],
    ['path with spaces around', '```python   src/app.py  '],
  ])('takes the path from the info string (%s)', (_label, opening) => {
    const parsed = parse(`${opening}\n${CODE}\n\`\`\``);
    expect(parsed.edits).toEqual([wholeFile('src/app.py', `${CODE}\n`)]);
  });

  it('keeps the case of a path written as the info string', () => {
    // Lower-casing `src/App.tsx` would create a second file on a case-sensitive file system.
    expect(parse('```src/App.tsx\nexport const x = 1;\n```').edits).toEqual([wholeFile('src/App.tsx', 'export const x = 1;\n')]);
    expect(parse('```python Main.py\nx = 1\n```').edits).toEqual([wholeFile('Main.py', 'x = 1\n')]);
  });

  it('reads several files in one reply, in order', () => {
    const reply = [
      'I will split it in two files.',
      '',
      '**util.py**',
      fence('python', 'def add(a, b):\n    return a + b'),
      '',
      'And the entry point:',
      '',
      '`main.py`',
      fence('python', 'from util import add\nprint(add(1, 2))'),
    ].join('\n');
    expect(parse(reply).edits).toEqual([
      wholeFile('util.py', 'def add(a, b):\n    return a + b\n'),
      wholeFile('main.py', 'from util import add\nprint(add(1, 2))\n'),
    ]);
  });

  it('accepts a path with spaces when it is in backticks', () => {
    expect(parse(`\`my dir/my file.py\`\n${fence('python', CODE)}`).edits).toEqual([wholeFile('my dir/my file.py', `${CODE}\n`)]);
  });

  it('accepts non-ASCII paths', () => {
    expect(parse(`données/é.py\n${fence('python', CODE)}`).edits).toEqual([wholeFile('données/é.py', `${CODE}\n`)]);
    expect(parse(`**\`docs/naïve café.md\`**\n${fence('markdown', '# Café')}`).edits).toEqual([
      wholeFile('docs/naïve café.md', '# Café\n'),
    ]);
  });

  it('normalises ./ and backslashes to a POSIX path relative to the worktree', () => {
    expect(parse(`./src/app.py\n${fence('python', CODE)}`).edits).toEqual([wholeFile('src/app.py', `${CODE}\n`)]);
    expect(parse(`src\\pkg\\app.py\n${fence('python', CODE)}`).edits).toEqual([wholeFile('src/pkg/app.py', `${CODE}\n`)]);
  });

  it('takes a block of another language when a path names it', () => {
    expect(parse(`run.sh\n${fence('bash', 'echo hi')}`).edits).toEqual([wholeFile('run.sh', 'echo hi\n')]);
    expect(parse(`\`config.json\`\n${fence('json', '{"a": 1}')}`).edits).toEqual([wholeFile('config.json', '{"a": 1}\n')]);
    expect(parse(`Makefile\n${fence('make', 'all:\n\tpython main.py')}`).edits).toEqual([
      wholeFile('Makefile', 'all:\n\tpython main.py\n'),
    ]);
  });

  it('keeps a markdown file that itself contains a fence when the outer fence is longer', () => {
    const reply = 'README.md\n````markdown\n# Demo\n\n```python\nprint(1)\n```\n````';
    expect(parse(reply).edits).toEqual([wholeFile('README.md', '# Demo\n\n```python\nprint(1)\n```\n')]);
  });

  it('accepts tilde fences', () => {
    expect(parse(`main.py\n~~~python\n${CODE}\n~~~`).edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
  });

  it('ends every whole file with a newline and keeps the blank lines the model wrote (#18: trailing ones too)', () => {
    expect(parse('main.py\n```python\nprint(1)\n```').edits).toEqual([wholeFile('main.py', 'print(1)\n')]);
    expect(parse('main.py\n```python\nprint(1)\n\n```').edits).toEqual([wholeFile('main.py', 'print(1)\n\n')]);
    expect(parse('main.py\n```python\n\nprint(1)\n\n\n```').edits).toEqual([wholeFile('main.py', '\nprint(1)\n\n\n')]);
  });
});

describe('parseCoderReply: commands and output are not files', () => {
  it('ignores a ```bash block that comes first and takes the python block (empty project)', () => {
    const reply = `First install nothing, just run it:\n${fence('bash', 'python main.py')}\n\nHere is the program:\n${fence('python', CODE)}`;
    expect(parse(reply, EMPTY).edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
  });

  it('ignores a ```bash block introduced by a sentence naming the file (the seed grabbed it)', () => {
    const reply = `Save the code below as \`main.py\` and run it with:\n${fence('bash', 'python main.py')}\n\n${fence('python', CODE)}`;
    expect(parse(reply, EMPTY).edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
  });

  it('does not turn a command in backticks into a file name', () => {
    const reply = `main.py\n${fence('python', CODE)}\n\nRun it with \`python main.py\`:\n${fence('bash', 'python main.py')}`;
    expect(parse(reply, EMPTY).edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
  });

  it('does not overwrite the file with its sample output', () => {
    for (const language of ['text', 'output', 'console', 'sh', 'shell', 'plaintext']) {
      const reply = `main.py\n${fence('python', CODE)}\n\nRunning \`main.py\` prints:\n${fence(language, '5')}`;
      expect(parse(reply, EMPTY).edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
    }
  });

  it('prefers a block tagged with a programming language over an untagged (output) block', () => {
    const longOutput = Array.from({ length: 50 }, (_, i) => String(i)).join('\n');
    const reply = `${fence('python', 'for i in range(50):\n    print(i)')}\n\nOutput:\n${fence('', longOutput)}`;
    expect(parse(reply, EMPTY).edits).toEqual([wholeFile('main.py', 'for i in range(50):\n    print(i)\n')]);
  });

  it('yields no edit when the only block is a command', () => {
    const parsed = parse(`Run this:\n${fence('bash', 'pip install requests')}`, EMPTY);
    expect(parsed.edits).toEqual([]);
    expect(parsed.rejected).toEqual([]);
  });
});

describe('parseCoderReply: a single block with no path', () => {
  it.each(['python', 'py', 'python3', 'Python', 'PY', 'PYTHON3', ''])('becomes main.py in an empty project (```%s)', (language) => {
    const parsed = parse(`Here is the code:\n${fence(language, CODE)}`, EMPTY);
    expect(parsed.edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
  });

  it.each([
    ['js', 'main.js'],
    ['javascript', 'main.js'],
    ['ts', 'main.ts'],
    ['go', 'main.go'],
    ['rust', 'main.rs'],
    ['java', 'Main.java'],
  ])("uses the language's usual entry file (```%s → %s)", (language, file) => {
    expect(parse(fence(language, 'x'), EMPTY).edits).toEqual([wholeFile(file, 'x\n')]);
  });

  it('takes the longest block when several are pathless (a fragment, then the full file)', () => {
    const reply = `The bug is here:\n${fence('python', 'return a - b')}\n\nFull file:\n${fence('python', CODE)}`;
    expect(parse(reply, EMPTY).edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
  });

  it('rewrites the one file of that language in play, marked as inferred (the applier checks it is a whole file)', () => {
    const reply = `${fence('bash', 'pip install nothing')}\n${fence('python', CODE)}`;
    expect(parse(reply, ONE_PY).edits).toEqual([{ ...wholeFile('app.py', `${CODE}\n`), pathInferred: true }]);
  });

  it('does nothing when several files of that language are in play', () => {
    expect(parse(fence('python', CODE), TWO_PY).edits).toEqual([]);
  });

  it('does nothing when the language matches no file in play', () => {
    expect(parse(fence('javascript', 'console.log(1)'), ONE_PY).edits).toEqual([]);
  });

  it('is ignored when the reply also names a file', () => {
    const reply = `main.py\n${fence('python', CODE)}\n\nOr shorter:\n${fence('python', 'print(5)')}`;
    expect(parse(reply, EMPTY).edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
  });

  it('is not used as a fallback when the named edit was refused', () => {
    const parsed = parse(`../evil.py\n${fence('python', 'import os')}\n\n${fence('python', CODE)}`, EMPTY);
    expect(parsed.edits).toEqual([]);
    expect(parsed.rejected.map((r) => r.path)).toEqual(['../evil.py']);
  });

  it('ignores an empty block', () => {
    expect(parse('```python\n\n```', EMPTY).edits).toEqual([]);
  });
});

describe('parseCoderReply: SEARCH/REPLACE blocks', () => {
  const sr = (search: string, replace: string): string => `<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE`;

  it('reads a fenced block after a path line', () => {
    const reply = `main.py\n\`\`\`python\n${sr('    return a - b', '    return a + b')}\n\`\`\``;
    expect(parse(reply).edits).toEqual([searchReplace('main.py', '    return a - b', '    return a + b')]);
  });

  it('reads an unfenced block after a path line', () => {
    expect(parse(`**main.py**\n${sr('x = 1', 'x = 2')}`).edits).toEqual([searchReplace('main.py', 'x = 1', 'x = 2')]);
  });

  it("takes the path from the fence's info string", () => {
    expect(parse(`\`\`\`python main.py\n${sr('x = 1', 'x = 2')}\n\`\`\``).edits).toEqual([searchReplace('main.py', 'x = 1', 'x = 2')]);
  });

  it('reads several blocks for one file, fenced', () => {
    const reply = `main.py\n\`\`\`python\n${sr('a = 1', 'a = 2')}\n\n${sr('b = 1', 'b = 2')}\n\`\`\``;
    expect(parse(reply).edits).toEqual([searchReplace('main.py', 'a = 1', 'a = 2'), searchReplace('main.py', 'b = 1', 'b = 2')]);
  });

  it('reads several blocks for several files, unfenced', () => {
    const reply = `main.py\n${sr('a = 1', 'a = 2')}\n${sr('b = 1', 'b = 2')}\n\nutil.py\n${sr('c = 1', 'c = 2')}`;
    expect(parse(reply).edits).toEqual([
      searchReplace('main.py', 'a = 1', 'a = 2'),
      searchReplace('main.py', 'b = 1', 'b = 2'),
      searchReplace('util.py', 'c = 1', 'c = 2'),
    ]);
  });

  it('reads several files, each in its own fence with prose between', () => {
    const reply = [
      'Two changes.',
      '### main.py',
      '```python',
      sr('a = 1', 'a = 2'),
      '```',
      'Then the helper:',
      '### `lib/util.py`',
      '```python',
      sr('c = 1', 'c = 2'),
      sr('d = 1', 'd = 2'),
      '```',
    ].join('\n');
    expect(parse(reply).edits).toEqual([
      searchReplace('main.py', 'a = 1', 'a = 2'),
      searchReplace('lib/util.py', 'c = 1', 'c = 2'),
      searchReplace('lib/util.py', 'd = 1', 'd = 2'),
    ]);
  });

  it('keeps multi-line SEARCH and REPLACE text and indentation exactly', () => {
    const search = 'def f(x):\n    if x:\n        return 1';
    const replace = 'def f(x):\n    if x:\n        return 2\n    return 0';
    expect(parse(`main.py\n${sr(search, replace)}`).edits).toEqual([searchReplace('main.py', search, replace)]);
  });

  it('allows an empty SEARCH (create or append) and an empty REPLACE (delete)', () => {
    expect(parse('new.py\n<<<<<<< SEARCH\n=======\nprint(1)\n>>>>>>> REPLACE').edits).toEqual([searchReplace('new.py', '', 'print(1)')]);
    expect(parse('main.py\n<<<<<<< SEARCH\nprint(1)\n=======\n>>>>>>> REPLACE').edits).toEqual([searchReplace('main.py', 'print(1)', '')]);
  });

  it('mixes SEARCH/REPLACE and whole files in one reply', () => {
    const reply = `main.py\n${sr('import x', 'import helper')}\n\nhelper.py\n${fence('python', 'def h():\n    pass')}`;
    expect(parse(reply).edits).toEqual([
      searchReplace('main.py', 'import x', 'import helper'),
      wholeFile('helper.py', 'def h():\n    pass\n'),
    ]);
  });

  it('applies no unterminated block and says so', () => {
    for (const reply of ['main.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n', 'main.py\n<<<<<<< SEARCH\nx = 1\n']) {
      const parsed = parse(reply);
      expect(parsed.edits).toEqual([]);
      expect(parsed.rejected.map((r) => r.path)).toEqual(['main.py']);
      expect(parsed.rejected[0]?.reason).toContain('is not complete');
    }
  });

  it('keeps the complete blocks before one that was cut off', () => {
    const parsed = parse('main.py\n<<<<<<< SEARCH\na = 1\n=======\na = 2\n>>>>>>> REPLACE\n\n<<<<<<< SEARCH\nb = 1\n');
    expect(parsed.edits).toEqual([searchReplace('main.py', 'a = 1', 'a = 2')]);
    expect(parsed.rejected).toHaveLength(1);
  });

  it('ignores a block with no path', () => {
    expect(parse(`Change this:\n${sr('x = 1', 'x = 2')}`).edits).toEqual([]);
  });

  it('refuses a block whose path leaves the worktree', () => {
    const parsed = parse(`../outside.py\n${sr('x = 1', 'x = 2')}`);
    expect(parsed.edits).toEqual([]);
    expect(parsed.rejected).toEqual([{ path: '../outside.py', reason: expect.stringContaining('leaves the worktree') as unknown }]);
  });
});

describe('parseCoderReply: conflict markers of other dialects are refused', () => {
  const ourFormat =
    "write `<<<<<<< SEARCH`, `=======`, `>>>>>>> REPLACE` (exactly these lines) after the file's path line, or the whole file after its path line";

  it.each([
    ['ORIGINAL/UPDATED (old Aider)', '<<<<<<< ORIGINAL', '>>>>>>> UPDATED'],
    ['HEAD/updated (git-style)', '<<<<<<< HEAD', '>>>>>>> updated'],
    ['SEARCH: with a colon', '<<<<<<< SEARCH:', '>>>>>>> REPLACE:'],
  ])('a fenced block in the %s dialect is never written, even to the one file in play', (_label, open, close) => {
    const reply = `Change \`app.py\`:\n\`\`\`python\napp.py\n${open}\nprint("hello")\n=======\nprint("goodbye")\n${close}\n\`\`\``;
    const parsed = parse(reply, ONE_PY);
    expect(parsed.edits).toEqual([]);
    expect(parsed.rejected).toEqual([
      {
        path: 'app.py',
        reason: `this tool does not read \`${open}\` … \`${close}\` marker lines (not a complete SEARCH/REPLACE block), so nothing was written; ${ourFormat}`,
      },
    ]);
  });

  it('refuses an unfenced block in another dialect with the same correction', () => {
    const parsed = parse('app.py\n<<<<<<< ORIGINAL\nx = 1\n=======\nx = 2\n>>>>>>> UPDATED\n', ONE_PY);
    expect(parsed.edits).toEqual([]);
    expect(parsed.rejected).toEqual([
      {
        path: '(no path)',
        reason: `this tool does not read \`<<<<<<< ORIGINAL … >>>>>>> UPDATED\` blocks, so nothing was written from them; ${ourFormat}`,
      },
    ]);
  });

  it('never writes an unfinished block of ours as file content', () => {
    const parsed = parse(`main.py\n${fence('python', '<<<<<<< SEARCH\nx = 1\n=======\nx = 2')}`);
    expect(parsed.edits).toEqual([]);
    expect(parsed.rejected).toEqual([
      {
        path: 'main.py',
        reason:
          'a SEARCH/REPLACE block is not complete (it needs a `=======` line and a `>>>>>>> REPLACE` line), so it was not applied; send it again in full',
      },
    ]);
  });

  it("ignores a lone stray marker line after good blocks (Aider's own prompt has one)", () => {
    const parsed = parse('main.py\n```python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n<<<<<<< HEAD\n');
    expect(parsed.edits).toEqual([searchReplace('main.py', 'x = 1', 'x = 2')]);
    expect(parsed.rejected).toEqual([]);
  });
});

describe('parseCoderReply: paths outside the worktree are refused', () => {
  const worktreeName = 'primes-2603141509-a1b2c3';
  it.each([
    ['../x.py', 'leaves the worktree'],
    ['/etc/passwd', 'absolute'],
    ['a/../../x', 'leaves the worktree'],
    ['.git/config', '.git'],
    ['sub/.git/hooks/pre-commit', '.git'],
    ['~/.ssh/x', 'absolute'],
    ['C:\\Windows\\x.py', 'absolute'],
    [`../${worktreeName}-evil/x.py`, 'leaves the worktree'],
  ])('%s', (badPath, reason) => {
    for (const line of [badPath, `\`${badPath}\``, `File: ${badPath}`]) {
      const parsed = parse(`${line}\n${fence('python', 'import os')}`, EMPTY);
      expect(parsed.edits).toEqual([]);
      expect(parsed.rejected).toHaveLength(1);
      expect(parsed.rejected[0]?.path).toBe(badPath);
      expect(parsed.rejected[0]?.reason).toContain(reason);
    }
  });

  it('keeps the good edits of a reply and refuses only the bad ones', () => {
    const parsed = parse(`main.py\n${fence('python', CODE)}\n\n/etc/passwd\n${fence('text', 'root::0:0')}`);
    expect(parsed.edits).toEqual([wholeFile('main.py', `${CODE}\n`)]);
    expect(parsed.rejected.map((r) => r.path)).toEqual(['/etc/passwd']);
  });
});

describe('parseCoderReply: READ lines', () => {
  it('collects READ lines outside fences, once each, in order', () => {
    const reply = [
      'I need to see two files first.',
      'READ src/util.py',
      '**READ** lib/helpers.py',
      'READ: `docs/my notes.md`',
      'READ src/util.py',
      '```text',
      'READ secret.txt',
      '```',
    ].join('\n');
    const parsed = parse(reply);
    expect(parsed.readRequests).toEqual(['src/util.py', 'lib/helpers.py', 'docs/my notes.md']);
    expect(parsed.edits).toEqual([]);
  });

  it('ignores READ lines inside a code block', () => {
    const parsed = parse(`main.py\n${fence('python', '# READ config.py\nREAD = 1\nREAD other.py')}`);
    expect(parsed.readRequests).toEqual([]);
    expect(parsed.edits).toHaveLength(1);
  });

  it('collects READ lines alongside edits and in CRLF replies', () => {
    const parsed = parse(`READ util.py\r\nmain.py\r\n\`\`\`python\r\nprint(1)\r\n\`\`\`\r\n`);
    expect(parsed.readRequests).toEqual(['util.py']);
    expect(parsed.edits).toEqual([wholeFile('main.py', 'print(1)\n')]);
  });

  it('does not read "Read" in a sentence', () => {
    expect(parse('Read the task carefully. I read main.py already.').readRequests).toEqual([]);
  });
});

describe('parseCoderReply: tool calls written as text', () => {
  it.each([
    ['write_file(...)', 'write_file({"path": "main.py", "content": "print(1)"})'],
    ['<tool_call>', '<tool_call>\n{"name": "write_file", "arguments": {"path": "main.py", "content": "print(1)"}}\n</tool_call>'],
    ['JSON with a tool name', '{"name": "create_file", "arguments": {"path": "main.py"}}'],
    ['str_replace_editor(...)', 'str_replace_editor(command="create", path="main.py")'],
    ['<function_call>', '<function_call>edit_file</function_call>'],
  ])('flags %s', (_label, reply) => {
    const parsed = parse(reply, EMPTY);
    expect(parsed.toolCallsAsText).toBe(true);
    expect(parsed.edits).toEqual([]);
  });

  it('does not flag a reply whose edits apply (the code may call such a function)', () => {
    const parsed = parse(`main.py\n${fence('python', 'def write_file(p, s):\n    open(p, "w").write(s)\nwrite_file("a", "b")')}`);
    expect(parsed.toolCallsAsText).toBe(false);
    expect(parsed.edits).toHaveLength(1);
  });

  it('does not flag ordinary prose', () => {
    expect(parse('I will write the file now.').toolCallsAsText).toBe(false);
  });
});

describe('parseCoderReply: damaged replies', () => {
  it('strips leaked special tokens at the start of the reply and at line ends, inside and outside blocks', () => {
    const reply = `<|im_start|>assistant\nmain.py\n\`\`\`python\nprint(1)<|im_end|>\n\`\`\`\n<|im_end|><|endoftext|>`;
    const parsed = parse(reply, EMPTY);
    expect(parsed.edits).toEqual([wholeFile('main.py', 'print(1)\n')]);
  });

  it("keeps a token with text after it on its line: it is the file's own (#18 replay: a test building a transcript)", () => {
    const line = 'const reply = `<|im_start|>assistant\\nhi<|im_end|>\\n`;';
    expect(parse(`src/t.ts\n\`\`\`ts\n${line}\n\`\`\``).edits).toEqual([wholeFile('src/t.ts', `${line}\n`)]);
  });

  it('strips a leaked token right after the closing fence', () => {
    expect(parse('main.py\n```python\nprint(1)\n```<|im_end|>').edits).toEqual([wholeFile('main.py', 'print(1)\n')]);
    expect(parse('main.py\n```python\nprint(1)\n```</s>').edits).toEqual([wholeFile('main.py', 'print(1)\n')]);
  });

  it('keeps </s> inside code (HTML strikethrough) while stripping it at the end of the reply', () => {
    const html = '<p><s>$20</s> $10</p>';
    expect(parse(`index.html\n${fence('html', html)}\n</s>`).edits).toEqual([wholeFile('index.html', `${html}\n`)]);
  });

  it('takes an unterminated fence (a reply cut by max_tokens) up to the end', () => {
    expect(parse('main.py\n```python\nprint(1)\nprint(2)', EMPTY).edits).toEqual([wholeFile('main.py', 'print(1)\nprint(2)\n')]);
  });

  it('does not let an unterminated fence swallow the blocks before it', () => {
    const reply = `util.py\n${fence('python', 'A = 1')}\n\nSome prose.\n\nmain.py\n\`\`\`python\nimport util\nprint(util.A)`;
    expect(parse(reply).edits).toEqual([wholeFile('util.py', 'A = 1\n'), wholeFile('main.py', 'import util\nprint(util.A)\n')]);
  });

  it('reads CRLF replies without carriage returns in the files', () => {
    const reply = 'Here is the updated `main.py`:\r\n```python\r\ndef f():\r\n    return 1\r\n```\r\n';
    expect(parse(reply).edits).toEqual([{ ...wholeFile('main.py', 'def f():\n    return 1\n'), pathInferred: true }]);
    const sr = 'main.py\r\n<<<<<<< SEARCH\r\nx = 1\r\n=======\r\nx = 2\r\n>>>>>>> REPLACE\r\n';
    expect(parse(sr).edits).toEqual([searchReplace('main.py', 'x = 1', 'x = 2')]);
  });

  it('returns nothing for a reply with no code', () => {
    expect(parse('I am not sure what to do.', EMPTY)).toEqual({
      edits: [],
      readRequests: [],
      toolRequests: [],
      rejected: [],
      toolCallsAsText: false,
    });
    expect(parse('', EMPTY)).toEqual({ edits: [], readRequests: [], toolRequests: [], rejected: [], toolCallsAsText: false });
  });
});
