import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySearchReplace } from '../../src/agents/apply-search-replace.js';
import { parseCoderReply, type ParseContext } from '../../src/agents/parse-coder-reply.js';
import { applyEdits } from '../../src/workspace/apply-edits.js';

/**
 * Issue #18: the seven classes of wrong writes the real-commit replay found, each through the path a
 * session takes (parse the reply, apply its edits to a real directory), plus the file conventions
 * the fixes must keep (CRLF).
 */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly files: Record<string, string>;
  readonly problems: readonly string[];
}

/** Parses `reply` against `files` (all tracked, all in play), applies it, returns every file and every refusal. */
function replay(files: Readonly<Record<string, string>>, reply: string, context?: Partial<ParseContext>): Outcome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-wrong-writes-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const existing = Object.keys(files);
  const parsed = parseCoderReply(reply, { existingFiles: existing, filesInPlay: existing, ...context });
  const applied = applyEdits(dir, parsed.edits);
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      out[path.relative(dir, path.join(entry.parentPath, entry.name))] = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return { files: out, problems: [...parsed.rejected, ...applied.failed].map((r) => `${r.path}: ${r.reason}`) };
}

const sr = (search: string, replace: string): string => `<<<<<<< SEARCH\n${search}=======\n${replace}>>>>>>> REPLACE\n`;

describe('#18 class 1: a whole file keeps its trailing blank lines', () => {
  it('writes the blank line the block holds before its closing fence', () => {
    const post = 'include LICENSE\ninclude HISTORY.rst\n\n';
    expect(replay({ 'MANIFEST.in': 'include LICENSE\n' }, `MANIFEST.in\n\`\`\`\n${post}\`\`\`\n`)).toEqual({
      files: { 'MANIFEST.in': post },
      problems: [],
    });
  });

  it('keeps it for a new file written as a SEARCH/REPLACE with an empty SEARCH', () => {
    expect(replay({}, `notes.md\n\`\`\`\n${sr('', '# Notes\n\n')}\`\`\`\n`).files).toEqual({ 'notes.md': '# Notes\n\n' });
  });
});

describe('#18 class 2: re-indenting keeps a tab-indented file tabbed', () => {
  it('moves a dedented block back one tab, not one space', () => {
    const file = 'func f(x int) int {\n\tif x {\n\t\treturn 1\n\t}\n\treturn 0\n}\n';
    expect(replay({ 'f.go': file }, `f.go\n\`\`\`go\n${sr('\treturn 1\n}\n', '\treturn 2\n}\n')}\`\`\`\n`)).toEqual({
      files: { 'f.go': file.replace('return 1', 'return 2') },
      problems: [],
    });
  });

  it('refuses rather than guess when REPLACE goes left of what SEARCH lets it map', () => {
    const file = 'class A:\n    def f(self):\n        return 1\n';
    const result = applySearchReplace(file, '        def f(self):\n            return 1\n', 'def f(self):\n    return 2\n');
    expect(result.ok).toBe(false);
  });
});

describe('#18 class 3: a deletion removes only the lines it matched', () => {
  it('leaves the blank lines it did not touch', () => {
    const file = 'import os\n\n\ndef old():\n    pass\n\n\nclass Keep:\n    pass\n';
    const post = 'import os\n\n\n\nclass Keep:\n    pass\n';
    expect(replay({ 'm.py': file }, `m.py\n\`\`\`python\n${sr('def old():\n    pass\n\n', '')}\`\`\`\n`)).toEqual({
      files: { 'm.py': post },
      problems: [],
    });
  });
});

describe('#18 class 4: a REPLACE of one blank line is one blank line', () => {
  it('blanks the line instead of deleting it', () => {
    expect(replay({ 'a.txt': 'a\nb\nc\n' }, `a.txt\n\`\`\`\n${sr('b\n', '\n')}\`\`\`\n`).files).toEqual({ 'a.txt': 'a\n\nc\n' });
  });
});

describe('#18 class 5: only exactly seven "=" divide SEARCH from REPLACE', () => {
  it('reads a longer run of "=" (a reST underline) as text', () => {
    const file = 'Title\n=========\n\nText.\n';
    expect(replay({ 'doc.rst': file }, `doc.rst\n\`\`\`rst\n${sr('Title\n=========\n', 'New title\n=========\n')}\`\`\`\n`)).toEqual({
      files: { 'doc.rst': 'New title\n=========\n\nText.\n' },
      problems: [],
    });
  });

  it('refuses a block with two divider lines: which one divides is a guess', () => {
    const file = 'Title\n=======\n\nText.\n';
    const outcome = replay({ 'doc.rst': file }, `doc.rst\n\`\`\`rst\n${sr('Title\n=======\n', 'Other\n=======\n')}\`\`\`\n`);
    expect(outcome.files).toEqual({ 'doc.rst': file });
    expect(outcome.problems.join('\n')).toContain('`=======`');
  });
});

describe('#18 class 6: a one-word new file name is a path line', () => {
  it("creates `license` instead of appending it to the previous block's file", () => {
    const reply = `test.js\n\`\`\`\n${sr('a()\n', 'b()\n')}\nlicense\n${sr('', 'MIT License\n')}\`\`\`\n`;
    expect(replay({ 'test.js': 'a()\n' }, reply)).toEqual({
      files: { 'test.js': 'b()\n', license: 'MIT License\n' },
      problems: [],
    });
  });
});

describe('#18 class 7: a bare file name gets a correction naming the real path', () => {
  const files = { 'src/click/core.py': 'x = 1\n', 'README.md': '# click\n' };

  it('names the one tracked file with that name, and writes nothing', () => {
    const outcome = replay(files, `core.py\n\`\`\`python\n${sr('x = 1\n', 'x = 2\n')}\`\`\`\n`);
    expect(outcome.files).toEqual(files);
    expect(outcome.problems).toEqual([expect.stringContaining('did you mean src/click/core.py?')]);
  });

  it('names no path when two tracked files have that name', () => {
    const two = { ...files, 'src/other/core.py': 'x = 1\n' };
    const outcome = replay(two, `core.py\n\`\`\`python\n${sr('x = 1\n', 'x = 2\n')}\`\`\`\n`);
    expect(outcome.files).toEqual(two);
    expect(outcome.problems.join('\n')).not.toContain('did you mean');
  });
});

describe('#18: file conventions are kept', () => {
  it('keeps a CRLF file CRLF under SEARCH/REPLACE', () => {
    const file = 'a\r\nb\r\nc\r\n';
    expect(replay({ 'w.txt': file }, `w.txt\n\`\`\`\n${sr('b\n', 'B\nB2\n')}\`\`\`\n`).files).toEqual({ 'w.txt': 'a\r\nB\r\nB2\r\nc\r\n' });
  });

  it('keeps a CRLF file CRLF under a whole-file rewrite', () => {
    expect(replay({ 'w.txt': 'a\r\nb\r\n' }, 'w.txt\n```\na\nc\n```\n').files).toEqual({ 'w.txt': 'a\r\nc\r\n' });
  });
});
