import { describe, expect, it } from 'vitest';
import { parseCoderReply } from '../../src/agents/parse-coder-reply.js';
import { checkToolRequest, describeToolRequest, parseToolLine, type ToolRequest } from '../../src/agents/tool-requests.js';

describe('parseToolLine: READ', () => {
  it.each<[string, ToolRequest]>([
    ['READ src/app.py', { kind: 'read', path: 'src/app.py' }],
    ['**READ** src/app.py', { kind: 'read', path: 'src/app.py' }],
    ['READ: `docs/my notes.md`', { kind: 'read', path: 'docs/my notes.md' }],
    ['READ src/app.py 120-180', { kind: 'read', path: 'src/app.py', range: { start: 120, end: 180 } }],
    ['READ src/app.py lines 120-180', { kind: 'read', path: 'src/app.py', range: { start: 120, end: 180 } }],
    ['READ src/app.py L120-L180', { kind: 'read', path: 'src/app.py', range: { start: 120, end: 180 } }],
    ['READ src/app.py:120-180', { kind: 'read', path: 'src/app.py', range: { start: 120, end: 180 } }],
    ['READ `my dir/a.py` 5-1', { kind: 'read', path: 'my dir/a.py', range: { start: 1, end: 5 } }],
    ['- READ a.py', { kind: 'read', path: 'a.py' }],
  ])('%j', (line, expected) => {
    expect(parseToolLine(line)).toEqual(expected);
  });
});

describe('parseToolLine: SEARCH', () => {
  it.each<[string, ToolRequest]>([
    ['SEARCH parse_total', { kind: 'search', pattern: 'parse_total' }],
    ['SEARCH def parse_total', { kind: 'search', pattern: 'def parse_total' }],
    ['SEARCH parse_total *.py', { kind: 'search', pattern: 'parse_total', glob: '*.py' }],
    ['SEARCH def parse_\\w+\\( src/', { kind: 'search', pattern: 'def parse_\\w+\\(', glob: 'src/' }],
    ['SEARCH `def total (` pkg/**/*.py', { kind: 'search', pattern: 'def total (', glob: 'pkg/**/*.py' }],
    ['SEARCH /return x \\+ 1/', { kind: 'search', pattern: 'return x \\+ 1' }],
    ['SEARCH foo|bar', { kind: 'search', pattern: 'foo|bar' }],
    ['SEARCH: total', { kind: 'search', pattern: 'total' }],
  ])('%j', (line, expected) => {
    expect(parseToolLine(line)).toEqual(expected);
  });
});

describe('parseToolLine: LIST and non-requests', () => {
  it.each<[string, ToolRequest]>([
    ['LIST src', { kind: 'list', dir: 'src' }],
    ['LIST src/', { kind: 'list', dir: 'src' }],
    ['LIST .', { kind: 'list', dir: '' }],
    ['LIST', { kind: 'list', dir: '' }],
  ])('%j', (line, expected) => {
    expect(parseToolLine(line)).toEqual(expected);
  });

  it.each(['<<<<<<< SEARCH', 'SEARCH/REPLACE blocks:', 'SEARCH:', 'Read the file', 'Search for it', 'READ', 'Listing: a', 'LISTEN up'])(
    '%j is not a request',
    (line) => {
      expect(parseToolLine(line)).toBeUndefined();
    },
  );

  it('describes requests as the Coder writes them', () => {
    expect(describeToolRequest({ kind: 'read', path: 'a.py', range: { start: 3, end: 9 } })).toBe('READ a.py 3-9');
    expect(describeToolRequest({ kind: 'search', pattern: 'x', glob: '*.py' })).toBe('SEARCH x *.py');
    expect(describeToolRequest({ kind: 'list', dir: '' })).toBe('LIST .');
  });
});

describe('checkToolRequest', () => {
  it('vets paths, dirs and globs like edit paths', () => {
    expect(checkToolRequest({ kind: 'read', path: './a/../b.py' })).toEqual({ ok: true, request: { kind: 'read', path: 'b.py' } });
    expect(checkToolRequest({ kind: 'read', path: '../x' })).toEqual({ ok: false, reason: 'the path leaves the worktree' });
    expect(checkToolRequest({ kind: 'list', dir: '.git' })).toEqual({ ok: false, reason: 'files inside .git cannot be edited' });
    expect(checkToolRequest({ kind: 'list', dir: '/etc' }).ok).toBe(false);
    expect(checkToolRequest({ kind: 'search', pattern: 'x', glob: ':(top)*' })).toEqual({
      ok: false,
      reason: 'a path glob may not start with ":"',
    });
    expect(checkToolRequest({ kind: 'search', pattern: 'x', glob: '../*' }).ok).toBe(false);
    expect(checkToolRequest({ kind: 'search', pattern: 'x', glob: 'src/**/*.py' })).toEqual({
      ok: true,
      request: { kind: 'search', pattern: 'x', glob: 'src/**/*.py' },
    });
    expect(checkToolRequest({ kind: 'read', path: '\u2024\u2024/x' }).ok).toBe(false);
  });
});

describe('parseCoderReply: tool requests', () => {
  const context = { existingFiles: ['a.py'], filesInPlay: ['a.py'] };

  it('collects READ, SEARCH and LIST lines outside code, once each, in order', () => {
    const reply = [
      'I need to look around.',
      'LIST pkg',
      'SEARCH def parse_total *.py',
      'READ pkg/mod_1.py 10-40',
      'READ a.py',
      'LIST pkg',
      '```text',
      'SEARCH inside',
      '```',
    ].join('\n');
    const parsed = parseCoderReply(reply, context);
    expect(parsed.toolRequests).toEqual([
      { kind: 'list', dir: 'pkg' },
      { kind: 'search', pattern: 'def parse_total', glob: '*.py' },
      { kind: 'read', path: 'pkg/mod_1.py', range: { start: 10, end: 40 } },
      { kind: 'read', path: 'a.py' },
    ]);
    expect(parsed.readRequests).toEqual(['pkg/mod_1.py', 'a.py']);
  });

  it('does not read request-like lines inside an unfenced SEARCH/REPLACE block', () => {
    const parsed = parseCoderReply('a.py\n<<<<<<< SEARCH\nLIST = [1]\n=======\nLIST = [2]\n>>>>>>> REPLACE\n', context);
    expect(parsed.toolRequests).toEqual([]);
    expect(parsed.edits).toHaveLength(1);
  });
});
