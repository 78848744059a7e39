// Reading a branch from the ref files of a real repository (what the ref watch does often): the
// loose file, then packed-refs, as git does; a link anywhere on the way is refused, never followed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBranchFromFiles } from '../../src/workspace/git/read-branch-file.js';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';

afterAll(removeTempDirs);

describe('readBranchFromFiles', () => {
  it('agrees with git for loose and packed branches, and says null for a missing one', () => {
    const repo = makeRepo();
    const gitDir = path.join(repo, '.git');
    git(repo, 'branch', 'factory/task-1');
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    expect(readBranchFromFiles(gitDir, 'main')).toBe(head);
    expect(readBranchFromFiles(gitDir, 'factory/task-1')).toBe(head);
    git(repo, 'pack-refs', '--all');
    expect(fs.existsSync(path.join(gitDir, 'refs', 'heads', 'main'))).toBe(false);
    expect(readBranchFromFiles(gitDir, 'main')).toBe(head);
    expect(readBranchFromFiles(gitDir, 'factory/task-1')).toBe(head);
    git(repo, 'commit', '-qm', 'moves', '--allow-empty');
    expect(readBranchFromFiles(gitDir, 'main')).toBe(git(repo, 'rev-parse', 'HEAD').trim()); // the loose file wins
    expect(readBranchFromFiles(gitDir, 'nope')).toBeNull();
    expect(readBranchFromFiles(gitDir, 'factory/nope')).toBeNull();
    expect(readBranchFromFiles(gitDir, '../HEAD')).toBeUndefined();
  });

  it('refuses a ref file or a folder that is a link (even to a valid ref elsewhere)', () => {
    const repo = makeRepo();
    const gitDir = path.join(repo, '.git');
    const outside = makeTempDir('mlxf-outside-');
    const sha = git(repo, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(outside, 'ref'), `${sha}\n`);
    fs.symlinkSync(path.join(outside, 'ref'), path.join(gitDir, 'refs', 'heads', 'linked'));
    expect(readBranchFromFiles(gitDir, 'linked')).toBeUndefined();
    fs.mkdirSync(path.join(outside, 'dir'));
    fs.writeFileSync(path.join(outside, 'dir', 'x'), `${sha}\n`);
    fs.symlinkSync(path.join(outside, 'dir'), path.join(gitDir, 'refs', 'heads', 'viadir'));
    expect(readBranchFromFiles(gitDir, 'viadir/x')).toBeUndefined();
    fs.writeFileSync(path.join(gitDir, 'refs', 'heads', 'symbolic'), 'ref: refs/heads/main\n');
    expect(readBranchFromFiles(gitDir, 'symbolic')).toBeUndefined();
  });
});
