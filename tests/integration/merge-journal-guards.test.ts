// The merge journal (#19 item 10) is read after a crash; its pid may since name any process, and its
// checkout is whatever the file says. A pid counts only when it is a git process started near the
// journal's time; the refusal while git runs names the journal and how to clear it; recovery runs
// only for a checkout that `git worktree list` knows.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { settleInterruptedMerge } from '../../src/workspace/merge-branch.js';
import { recoverInterruptedMerge } from '../../src/workspace/merge-journal.js';
import { commitAll, git, makeRepo, removeTempDirs, revParse } from '../support/git-fixtures.js';

afterAll(removeTempDirs);
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** A long-lived process of ours, to stand for whatever got the journal's pid. */
async function live(command: string, args: string[], cwd: string): Promise<number> {
  const child = spawn(command, args, { cwd, stdio: ['pipe', 'ignore', 'ignore'] });
  started.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid ?? 0;
}

function journalled(repo: string, fields: { pid: number; startedAt: string; checkout?: string }): string {
  const before = revParse(repo, 'HEAD');
  git(repo, 'switch', '-q', '-c', 'other');
  fs.writeFileSync(path.join(repo, 'new.txt'), 'x\n');
  const after = commitAll(repo, 'other');
  git(repo, 'switch', '-q', 'main');
  const file = path.join(repo, '.git', 'mlx-factory', 'merge-journal.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      checkout: fields.checkout ?? repo,
      branchRef: 'refs/heads/main',
      before,
      after,
      pid: fields.pid,
      startedAt: fields.startedAt,
    }),
  );
  return file;
}

describe('the merge journal after a crash', () => {
  it('a live process that is not git does not hold merges up', async () => {
    const repo = makeRepo();
    const file = journalled(repo, { pid: await live('sleep', ['60'], repo), startedAt: new Date().toISOString() });
    expect(await recoverInterruptedMerge(path.join(repo, '.git'))).toEqual({ kind: 'untouched' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a git started long before the journal is not the journal’s git', async () => {
    const repo = makeRepo();
    const pid = await live('git', ['cat-file', '--batch'], repo);
    const file = journalled(repo, { pid, startedAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(await recoverInterruptedMerge(path.join(repo, '.git'))).toEqual({ kind: 'untouched' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('while the journal’s git runs, the refusal names the journal file and how to clear it', async () => {
    const repo = makeRepo();
    const pid = await live('git', ['cat-file', '--batch'], repo);
    const file = journalled(repo, { pid, startedAt: new Date().toISOString() });
    expect(await recoverInterruptedMerge(path.join(repo, '.git'), { waitMs: 300 })).toEqual({ kind: 'running', journal: file, pid });
    await expect(settleInterruptedMerge(path.join(repo, '.git'), { waitMs: 300 })).rejects.toThrow(
      `An earlier merge into this repository is still running (git, pid ${pid}, recorded in ${file}); try again when it has finished, or, if no merge is running, delete ${file}.`,
    );
    expect(fs.existsSync(file)).toBe(true);
  });

  it('a checkout that is not one of the repository’s worktrees is never touched', async () => {
    const repo = makeRepo();
    const stranger = makeRepo({ files: { 'keep.txt': 'mine\n' } });
    const file = journalled(repo, { pid: 999_999, startedAt: new Date().toISOString(), checkout: stranger });
    const recovery = await recoverInterruptedMerge(path.join(repo, '.git'));
    expect(recovery).toEqual({
      kind: 'needs-attention',
      detail: `The merge journal ${file} names ${stranger}, which is not a worktree of this repository, so nothing was changed; if no merge is running, delete ${file} and try again.`,
    });
    expect(fs.readFileSync(path.join(stranger, 'keep.txt'), 'utf8')).toBe('mine\n');
    expect(git(stranger, 'status', '--porcelain')).toBe('');
  });
});
