import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolRequest } from '../../src/agents/tool-requests.js';
import { answerToolRequests } from '../../src/workspace/coder-tools.js';
import { readWorktreeText } from '../../src/workspace/worktree-files.js';
import { git } from '../support/git-fixtures.js';

/** The orchestrator's answers to READ / SEARCH / LIST, on a real git worktree with hostile entries. */
let tmp: string;
let repo: string;

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coder-tools-')));
  repo = path.join(tmp, 'repo');
  fs.mkdirSync(path.join(repo, 'pkg', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'TOP SECRET\n');
  const long = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join('\n');
  fs.writeFileSync(path.join(repo, 'long.txt'), `${long}\n`);
  fs.writeFileSync(
    path.join(repo, 'pkg', 'orders.py'),
    'def parse_total(items):\n    return sum(items)\n\n\ndef parse_tax(x):\n    return x\n',
  );
  fs.writeFileSync(path.join(repo, 'pkg', 'deep', 'util.py'), 'def parse_total_later():\n    pass\n');
  fs.writeFileSync(path.join(repo, 'README.md'), '# Demo\n\n```python\nparse_total([1])\n```\n');
  fs.writeFileSync(path.join(repo, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 0]));
  for (let i = 0; i < 200; i += 1) {
    fs.mkdirSync(path.join(repo, 'many', `d${i % 4}`), { recursive: true });
    fs.writeFileSync(path.join(repo, 'many', `d${i % 4}`, `f${i}.txt`), 'x\n');
  }
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(repo, 'leak.txt'));
  fs.symlinkSync('pkg/orders.py', path.join(repo, 'alias.py'));
  fs.symlinkSync(tmp, path.join(repo, 'outdir'));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  execFileSync('mkfifo', [path.join(repo, 'pipe')]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function answer(request: ToolRequest, maxChars = 20_000): Promise<string> {
  const [first] = await answerToolRequests(repo, [request], maxChars);
  return first?.body ?? '';
}

describe('READ', () => {
  it('reads a whole file in a fence, a longer fence when it holds one', async () => {
    expect(await answer({ kind: 'read', path: 'pkg/orders.py' })).toBe(
      'pkg/orders.py (6 lines):\n```\ndef parse_total(items):\n    return sum(items)\n\n\ndef parse_tax(x):\n    return x\n```',
    );
    expect(await answer({ kind: 'read', path: 'README.md' })).toContain('````\n# Demo\n\n```python');
  });

  it('reads a line range and says how to read on', async () => {
    const body = await answer({ kind: 'read', path: 'long.txt', range: { start: 120, end: 125 } });
    expect(body).toBe(
      'long.txt, lines 120-125 of 300:\n```\nline 120\nline 121\nline 122\nline 123\nline 124\nline 125\n```\n(more: READ long.txt 126-300)',
    );
  });

  it('keeps a read within its budget, in whole lines', async () => {
    const body = await answer({ kind: 'read', path: 'long.txt' }, 600);
    expect(body.length).toBeLessThanOrEqual(600);
    expect(body).toMatch(/^long\.txt, lines 1-\d+ of 300:/);
    expect(body).toMatch(/\n\(more: READ long\.txt \d+-\d+\)$/);
  });

  it('follows a symbolic link that stays inside the worktree', async () => {
    expect(await answer({ kind: 'read', path: 'alias.py' })).toContain('def parse_total(items):');
  });

  it.each([
    ['leak.txt', 'Refused: leak.txt is a symbolic link leading outside the worktree; it is not read.'],
    ['outdir/secret.txt', 'Refused: outdir/secret.txt is a symbolic link leading outside the worktree; it is not read.'],
    ['pipe', 'Refused: pipe is not a regular file (a FIFO, socket or device); it is not read.'],
    ['pkg', 'Refused: pkg is a folder, not a file (use LIST pkg).'],
    ['blob.bin', 'Refused: blob.bin is a binary file.'],
    ['nope.py', 'Refused: nope.py does not exist.'],
  ])('refuses %s', async (file, answerText) => {
    const body = await answer({ kind: 'read', path: file });
    expect(body).toBe(answerText);
    expect(body).not.toContain('TOP SECRET');
  });

  it('refuses paths outside the worktree and inside .git before touching the disk', async () => {
    expect(await answer({ kind: 'read', path: '../secret.txt' })).toBe('Refused: the path leaves the worktree.');
    expect(await answer({ kind: 'read', path: '.git/config' })).toBe('Refused: files inside .git cannot be edited.');
  });

  it('caps the bytes read', () => {
    const read = readWorktreeText(repo, 'long.txt', { maxBytes: 20 });
    expect(read).toMatchObject({ ok: true, text: 'line 1\nline 2\nline 3', truncated: true });
  });
});

describe('SEARCH', () => {
  it('lists matching lines of tracked files with line numbers', async () => {
    expect(await answer({ kind: 'search', pattern: 'def parse_total' })).toBe(
      '2 matching lines in 2 files:\npkg/deep/util.py:1: def parse_total_later():\npkg/orders.py:1: def parse_total(items):',
    );
  });

  it('takes Perl-style regexes and a path glob', async () => {
    expect(await answer({ kind: 'search', pattern: 'def parse_\\w+\\(\\w\\)', glob: 'pkg/*.py' })).toBe(
      '1 matching lines in 1 files:\npkg/orders.py:5: def parse_tax(x):',
    );
    expect(await answer({ kind: 'search', pattern: 'parse_total', glob: '*.md' })).toBe(
      '1 matching lines in 1 files:\nREADME.md:4: parse_total([1])',
    );
  });

  it('does not search through links out of the worktree or untracked files', async () => {
    expect(await answer({ kind: 'search', pattern: 'TOP SECRET' })).toBe('No matches in tracked files.');
  });

  it('says when the pattern is not a valid regex', async () => {
    expect(await answer({ kind: 'search', pattern: '(' })).toMatch(/^git grep could not use this pattern: fatal: /);
  });

  it('caps the hits and says how many were left out', async () => {
    const body = await answer({ kind: 'search', pattern: 'x', glob: 'many/' });
    expect(body.split('\n').filter((l) => l.startsWith('many/'))).toHaveLength(40);
    expect(body).toContain('200 matching lines in 200 files');
    expect(body).toContain('(160 more not shown: narrow the pattern or add a path glob)');
  });
});

describe('LIST', () => {
  it('lists tracked files with sizes', async () => {
    expect(await answer({ kind: 'list', dir: 'pkg' })).toBe('2 tracked files under pkg:\npkg/deep/util.py (34 B)\npkg/orders.py (79 B)');
  });

  it('summarises a large directory by subdirectory', async () => {
    expect(await answer({ kind: 'list', dir: 'many' })).toBe(
      '200 tracked files under many:\nmany/d0/ (50 files, 100 B)\nmany/d1/ (50 files, 100 B)\nmany/d2/ (50 files, 100 B)\nmany/d3/ (50 files, 100 B)',
    );
    const root = await answer({ kind: 'list', dir: '' });
    expect(root).toContain('tracked files under the repository:');
    expect(root).toContain('leak.txt (symbolic link)');
    expect(root).toContain('many/ (200 files, 400 B)');
  });

  it('takes a directory name literally, not as a glob', async () => {
    expect(await answer({ kind: 'list', dir: 'p*' })).toBe('No tracked files under p*.');
  });
});

describe('the budget', () => {
  it('keeps all answers of a turn within the characters given', async () => {
    const requests: ToolRequest[] = [
      { kind: 'read', path: 'long.txt' },
      { kind: 'search', pattern: 'x' },
      { kind: 'list', dir: '' },
    ];
    const answers = await answerToolRequests(repo, requests, 3000);
    const total = answers.reduce((n, a) => n + a.request.length + a.body.length, 0);
    expect(answers.map((a) => a.request)).toEqual(['READ long.txt', 'SEARCH x', 'LIST .']);
    expect(total).toBeLessThanOrEqual(3000);
  });

  it('answers at most 8 requests a turn and says so', async () => {
    const requests: ToolRequest[] = Array.from({ length: 10 }, (_, i) => ({ kind: 'read', path: `many/d0/f${i * 4}.txt` }));
    const answers = await answerToolRequests(repo, requests, 50_000);
    expect(answers).toHaveLength(9);
    expect(answers[8]).toEqual({ request: 'Skipped', body: 'Only 8 requests are answered per turn; 2 were skipped.' });
  });
});
