// A path through a file (#19 item 9): `READ main.py/x` from the Coder, or `files: [".git/config"]`
// in a task, where `.git` is a linked worktree's pointer file. lstat fails with ENOTDIR there, not
// ENOENT; it used to escape as "Unexpected error: ENOTDIR" and end the session. Now it is a missing
// file like any other: a refusal the Coder can act on, and no write through it.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerToolRequests } from '../../src/workspace/coder-tools.js';
import { readWorktreeFile, readWorktreeText, writeWorktreeFile } from '../../src/workspace/worktree-files.js';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';

afterAll(removeTempDirs);

function linkedWorktree(): string {
  const repo = makeRepo({ files: { 'main.py': 'print("hi")\n' } });
  const worktree = path.join(makeTempDir('enotdir-wt-'), 'wt');
  git(repo, 'worktree', 'add', '-q', '-b', 'session', worktree);
  return worktree;
}

describe('a path through a file', () => {
  it('READ main.py/x is answered as a missing file', async () => {
    const worktree = linkedWorktree();
    const [answer] = await answerToolRequests(worktree, [{ kind: 'read', path: 'main.py/x' }], 4000);
    expect(answer?.body).toMatch(/main\.py\/x does not exist/);
  });

  it('.git/config in a linked worktree (where .git is a file) is missing, for reads and writes alike', () => {
    const worktree = linkedWorktree();
    expect(readWorktreeText(worktree, '.git/config')).toMatchObject({ ok: false, code: 'missing' });
    expect(readWorktreeFile(worktree, 'main.py/x/y')).toMatchObject({ ok: false, code: 'missing' });
    expect(writeWorktreeFile(worktree, 'main.py/x', 'no')).toMatchObject({ ok: false });
  });
});
