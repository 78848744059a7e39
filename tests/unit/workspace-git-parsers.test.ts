// Parsers of git's machine-readable output used by src/workspace/git (fixed samples from git 2.39).
import { describe, expect, it } from 'vitest';
import { parseCatFileBatch, looksBinary } from '../../src/workspace/git/read-blobs.js';
import { parseRawDiff } from '../../src/workspace/git/diff-file-list.js';
import { parseCommitLog } from '../../src/workspace/git/log-commits.js';
import { filesNamedIn } from '../../src/workspace/git/merge-fast-forward.js';
import { parseMergeTreeOutput } from '../../src/workspace/git/merge-tree.js';
import { parseWorktreeList } from '../../src/workspace/git/worktree-list.js';
import { atLeast, parseGitVersion } from '../../src/workspace/git/git-version.js';

const T = 'd016565ed8e36b024c51f56a5d6574dc9f339a9d';
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

describe('parseMergeTreeOutput', () => {
  it('reads a clean merge (only the tree)', () => {
    expect(parseMergeTreeOutput(`${T}\0`, true)).toEqual({ clean: true, tree: T, conflicts: [], messages: [] });
  });

  it('reads conflicted paths and attaches conflict types from the messages, ignoring informational ones', () => {
    const out = [
      T,
      'f',
      'g',
      '',
      '1',
      'f',
      'Auto-merging',
      'Auto-merging f\n',
      '1',
      'f',
      'CONFLICT (contents)',
      'CONFLICT (content): Merge conflict in f\n',
      '1',
      'g',
      'CONFLICT (modify/delete)',
      'CONFLICT (modify/delete): g deleted in s and modified in main.\n',
      '',
    ].join('\0');
    const result = parseMergeTreeOutput(out, false);
    expect(result.clean).toBe(false);
    expect(result.conflicts).toEqual([
      { path: 'f', kinds: ['CONFLICT (contents)'] },
      { path: 'g', kinds: ['CONFLICT (modify/delete)'] },
    ]);
    expect(result.messages).toEqual([
      'Auto-merging f',
      'CONFLICT (content): Merge conflict in f',
      'CONFLICT (modify/delete): g deleted in s and modified in main.',
    ]);
  });

  it('handles a message naming two paths (a rename) and rejects garbage', () => {
    const out = [T, 'new', '', '2', 'old', 'new', 'CONFLICT (rename/delete)', 'CONFLICT (rename/delete): old renamed to new\n', ''].join(
      '\0',
    );
    expect(parseMergeTreeOutput(out, false).conflicts).toEqual([{ path: 'new', kinds: ['CONFLICT (rename/delete)'] }]);
    expect(() => parseMergeTreeOutput('fatal: nope', false)).toThrow(/unexpected/);
  });
});

describe('parseRawDiff', () => {
  const raw = [
    `:100644 100644 ${A} ${B} M`,
    'edit.txt',
    `:000000 100644 ${Z} ${B} A`,
    'added file.py',
    `:100644 000000 ${A} ${Z} D`,
    'gone.txt',
    `:100644 100644 ${A} ${B} R087`,
    'old/name.txt',
    'new/name.txt',
    `:100644 100644 ${A} ${B} M`,
    'logo.png',
  ];
  const numstat = ['2\t1\tedit.txt', '1\t0\tadded file.py', '0\t1\tgone.txt', '1\t1\t', 'old/name.txt', 'new/name.txt', '-\t-\tlogo.png'];

  it('reads statuses, renames with similarity, and blob ids', () => {
    const files = parseRawDiff(`${raw.join('\0')}\0`, false);
    expect(files.map((f) => [f.status, f.path, f.oldPath])).toEqual([
      ['modified', 'edit.txt', null],
      ['added', 'added file.py', null],
      ['deleted', 'gone.txt', null],
      ['renamed', 'new/name.txt', 'old/name.txt'],
      ['modified', 'logo.png', null],
    ]);
    expect(files[3]).toMatchObject({ similarity: 87, oldOid: A, newOid: B });
    expect(files[0]).toMatchObject({ binary: null, additions: null });
  });

  it('pairs numstat records (rename records take three fields) and detects binaries', () => {
    const files = parseRawDiff(`${[...raw, ...numstat].join('\0')}\0`, true);
    expect(files.map((f) => [f.path, f.additions, f.deletions, f.binary])).toEqual([
      ['edit.txt', 2, 1, false],
      ['added file.py', 1, 0, false],
      ['gone.txt', 0, 1, false],
      ['new/name.txt', 1, 1, false],
      ['logo.png', null, null, true],
    ]);
  });

  it('reads an empty diff', () => {
    expect(parseRawDiff('', true)).toEqual([]);
  });
});

describe('parseWorktreeList', () => {
  it('reads the main worktree, a linked one, a detached and a prunable one', () => {
    const out = [
      'worktree /repo',
      `HEAD ${A}`,
      'branch refs/heads/main',
      '',
      'worktree /home/wt/s1',
      `HEAD ${B}`,
      'branch refs/heads/factory/s1',
      'locked',
      '',
      'worktree /tmp/gone',
      `HEAD ${B}`,
      'detached',
      'prunable gitdir file points to non-existent location',
      '',
    ].join('\0');
    expect(parseWorktreeList(out)).toEqual([
      { path: '/repo', head: A, branch: 'refs/heads/main', bare: false, prunable: null, locked: false },
      { path: '/home/wt/s1', head: B, branch: 'refs/heads/factory/s1', bare: false, prunable: null, locked: true },
      { path: '/tmp/gone', head: B, branch: null, bare: false, prunable: 'gitdir file points to non-existent location', locked: false },
    ]);
  });
});

describe('parseCatFileBatch', () => {
  it('splits contents by the sizes in the headers, binary-safe, and reports missing objects', () => {
    const bin = Buffer.from([0, 1, 10, 255]);
    const out = Buffer.concat([
      Buffer.from(`${A} blob 4\n`),
      bin,
      Buffer.from('\n'),
      Buffer.from(`${Z} missing\n`),
      Buffer.from(`${B} blob 3\nhi\n\n`),
    ]);
    const blobs = parseCatFileBatch(out, [A, Z, B]);
    expect(blobs[0]?.content).toEqual(bin);
    expect(blobs[1]?.content).toBeNull();
    expect(blobs[2]?.content?.toString()).toBe('hi\n');
    expect(looksBinary(bin)).toBe(true);
    expect(looksBinary(Buffer.from('text\n'))).toBe(false);
    expect(looksBinary(Buffer.concat([Buffer.alloc(8000, 97), Buffer.from([0])]))).toBe(false); // git looks at 8000 bytes only
  });
});

describe('parseCommitLog and filesNamedIn', () => {
  it('reads commits with the session trailers', () => {
    const record = (sha: string, parents: string, subject: string, session: string, attempt: string) =>
      [sha, parents, subject, '2026-01-01T00:00:00+00:00', session, attempt, ''].join('\0');
    const out = `${record(A, Z, 'Attempt 1: edit a', 'sid', '1')}\x1e\n${record(B, A, 'by hand', '', '')}\x1e\n`;
    expect(parseCommitLog(out)).toEqual([
      { sha: A, parents: [Z], subject: 'Attempt 1: edit a', authorDate: '2026-01-01T00:00:00+00:00', session: 'sid', attempt: 1 },
      { sha: B, parents: [A], subject: 'by hand', authorDate: '2026-01-01T00:00:00+00:00', session: null, attempt: null },
    ]);
  });

  it('reads the files git names when it refuses to overwrite local work', () => {
    const message =
      'error: Your local changes to the following files would be overwritten by merge:\n\ta.txt\n\tdir/b c.txt\nPlease commit your changes or stash them before you merge.\nAborting';
    expect(filesNamedIn(message)).toEqual(['a.txt', 'dir/b c.txt']);
  });
});

describe('isValidBranchName', () => {
  it('accepts ordinary names and refuses what git refuses (and path tricks)', async () => {
    const { isValidBranchName } = await import('../../src/workspace/branch-name.js');
    for (const ok of ['main', 'feature/x-1', 'factory/fix-2601010000-abc', 'release_1.2']) expect(isValidBranchName(ok)).toBe(true);
    for (const bad of [
      '',
      '@',
      '-x',
      '../../config',
      'a/../b',
      'a//b',
      '/a',
      'a/',
      'a.lock',
      '.hidden',
      'a b',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[b',
      'a\\b',
      'x@{1}',
      'end.',
    ]) {
      expect(isValidBranchName(bad), bad).toBe(false);
    }
  });
});

describe('parseGitVersion', () => {
  it('reads the versions git prints on Linux, macOS and Windows', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toEqual({ major: 2, minor: 39, patch: 5 });
    expect(parseGitVersion('git version 2.39.3 (Apple Git-146)\n')).toEqual({ major: 2, minor: 39, patch: 3 });
    expect(parseGitVersion('git version 2.45.1.windows.1\n')).toEqual({ major: 2, minor: 45, patch: 1 });
    expect(parseGitVersion('git version 3.0\n')).toEqual({ major: 3, minor: 0, patch: 0 });
    expect(parseGitVersion('nonsense')).toEqual({ major: 0, minor: 0, patch: 0 });
  });

  it('compares by major, then minor (merge-tree --merge-base needs 2.40)', () => {
    expect(atLeast({ major: 2, minor: 39, patch: 9 }, 2, 40)).toBe(false);
    expect(atLeast({ major: 2, minor: 40, patch: 0 }, 2, 40)).toBe(true);
    expect(atLeast({ major: 3, minor: 0, patch: 0 }, 2, 40)).toBe(true);
  });
});
