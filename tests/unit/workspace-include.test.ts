import { execFileSync } from 'node:child_process';
// workspace.include: which files a pattern names, and copying them without overwriting or escaping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyIncludedFiles, normalisePattern, segmentMatcher } from '../../src/workspace/include-files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-include-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

describe('include patterns', () => {
  it('normalises relative patterns and refuses ones that leave the repository', () => {
    expect(normalisePattern('./config/.env/')).toEqual(['config', '.env']);
    expect(normalisePattern('a\\b')).toEqual(['a', 'b']);
    expect(normalisePattern('../secrets')).toBeNull();
    expect(normalisePattern('a/../../b')).toBeNull();
    expect(normalisePattern('/etc/passwd')).toBeNull();
    expect(normalisePattern('C:/x')).toBeNull();
    expect(normalisePattern('  ')).toBeNull();
  });

  it('matches * and ? within one segment only', () => {
    expect(segmentMatcher('*.local')('db.local')).toBe(true);
    expect(segmentMatcher('*.local')('db.local.bak')).toBe(false);
    expect(segmentMatcher('.env.?')('.env.1')).toBe(true);
    expect(segmentMatcher('a.b')('axb')).toBe(false);
  });
});

describe('copyIncludedFiles', () => {
  it('copies files, folders and glob matches, never overwrites, and reports what matched nothing', () => {
    const repo = tree({
      '.env': 'A=1\n',
      'certs/dev.pem': 'pem\n',
      'x.local': 'x\n',
      'sub/y.local': 'y\n',
      'deep/a/b/.env': 'deep\n',
      'tracked.txt': 'user edit\n',
    });
    const worktree = tree({ 'tracked.txt': 'from the base commit\n' });
    const result = copyIncludedFiles(repo, worktree, ['.env', 'certs', '*.local', '**/.env', 'tracked.txt', 'nope', '../escape']);
    expect(result.copied).toEqual(['.env', 'certs', 'deep/a/b/.env', 'x.local']);
    expect(result.missing).toEqual(['nope', '../escape']);
    expect(fs.readFileSync(path.join(worktree, 'certs/dev.pem'), 'utf8')).toBe('pem\n');
    expect(fs.readFileSync(path.join(worktree, 'tracked.txt'), 'utf8')).toBe('from the base commit\n');
    expect(fs.existsSync(path.join(worktree, 'sub/y.local'))).toBe(false);
  });

  it('leaves out FIFOs (a copy would block on one), in a listed folder too', () => {
    const repo = tree({ 'cache/a.txt': 'a\n' });
    execFileSync('mkfifo', [path.join(repo, 'cache', 'pipe'), path.join(repo, 'top-pipe')]);
    const worktree = tree({});
    const result = copyIncludedFiles(repo, worktree, ['cache', 'top-pipe']);
    expect(fs.readFileSync(path.join(worktree, 'cache', 'a.txt'), 'utf8')).toBe('a\n');
    expect(fs.existsSync(path.join(worktree, 'cache', 'pipe'))).toBe(false);
    expect(fs.existsSync(path.join(worktree, 'top-pipe'))).toBe(false);
    expect(result).toEqual({ copied: ['cache'], missing: ['top-pipe'] });
  });

  it('copies a symbolic link as a link and never reads .git', () => {
    const repo = tree({ 'target.txt': 't\n', '.git/config': 'secret\n' });
    fs.symlinkSync('target.txt', path.join(repo, 'link.env'));
    const worktree = tree({});
    const result = copyIncludedFiles(repo, worktree, ['link.env', '.git/config', '.gi?/*']);
    expect(result.copied).toEqual(['link.env']);
    expect(fs.readlinkSync(path.join(worktree, 'link.env'))).toBe('target.txt');
    expect(fs.existsSync(path.join(worktree, '.git'))).toBe(false);
  });
});
