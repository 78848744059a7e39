// Merging sessions into real repositories: squash and merge commits built without a checkout, the
// user's checkout brought along only by a fast-forward git allows, and every refusal leaving the
// user's files, index, HEAD and local changes byte-for-byte as they were.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FactoryError } from '../../src/errors/factory-error.js';
import { appPaths } from '../../src/home/app-home.js';
import { mergeSession, previewSessionMerge } from '../../src/sessions/merge-session.js';
import { discardSession } from '../../src/sessions/discard-session.js';
import { loadSession } from '../../src/sessions/session-store.js';
import { readListCache, sessionFiles } from '../../src/sessions/session-meta.js';
import { commitTree } from '../../src/workspace/git/commit-tree.js';
import { startFastForward } from '../../src/workspace/git/merge-fast-forward.js';
import {
  commitAll,
  git,
  gitResult,
  makeRepo,
  makeTempDir,
  removeTempDirs,
  revParse,
  snapshotCheckout,
  writeFiles,
} from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession, type SessionFixture } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

const BASE_FILES = {
  'README.md': '# demo\n',
  'a.txt': 'line 1\nline 2\nline 3\n',
  'b.txt': 'bee\n',
  'src/app.py': 'print("app")\n',
  '.gitignore': '.env\nignored/\n',
};

async function setup(
  options: { files?: Record<string, string>; name?: string } = {},
): Promise<{ repo: string; home: string; session: SessionFixture }> {
  const repo = makeRepo({ files: options.files ?? BASE_FILES });
  const home = makeTempDir('mlxf-home-');
  const session = await createSessionFixture({ repo, home, ...(options.name ? { name: options.name } : {}) });
  return { repo, home, session };
}

async function failure(promise: Promise<unknown>): Promise<FactoryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FactoryError) return error;
    throw error;
  }
  throw new Error('expected the operation to be refused');
}

const read = (dir: string, rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');

describe('merge into the branch checked out in the user folder', () => {
  it('squash-merges, brings the working tree along, and leaves unrelated local changes exactly as they were', async () => {
    const { repo, home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'line 1\nline 2 changed\nline 3\n', 'new.txt': 'new file\n' } });
    await addStep(session, { files: { 'src/app.py': 'print("app v2")\n' } });
    finishSession(session);
    // Unrelated local state in the user's folder: an edit, a staged edit, an untracked and an ignored file.
    writeFiles(repo, { 'README.md': '# demo, edited locally\n', 'notes.txt': 'my notes\n', '.env': 'SECRET=1\n' });
    writeFiles(repo, { 'b.txt': 'bee staged\n' });
    git(repo, 'add', 'b.txt');
    const before = snapshotCheckout(repo);
    const mainBefore = revParse(repo, 'main');

    const result = await mergeSession(appPaths(home), session.id);

    expect(result).toMatchObject({ baseBranch: 'main', checkoutUpdated: true, squash: true, checkout: repo });
    const mainAfter = revParse(repo, 'main');
    expect(mainAfter).toBe(result.mergedCommit);
    expect(git(repo, 'rev-list', '--parents', '-n', '1', mainAfter).trim().split(' ')).toEqual([mainAfter, mainBefore]); // squash: one parent
    expect(git(repo, 'log', '-1', '--format=%B', mainAfter)).toContain(`Factory-Session: ${session.id}`);
    expect(git(repo, 'log', '-1', '--format=%an', mainAfter).trim()).toBe(git(repo, 'config', 'user.name').trim() || 'Test User');
    // The working tree followed the merged files …
    expect(read(repo, 'a.txt')).toBe('line 1\nline 2 changed\nline 3\n');
    expect(read(repo, 'new.txt')).toBe('new file\n');
    expect(read(repo, 'src/app.py')).toBe('print("app v2")\n');
    // … and every local change is still there, byte for byte.
    const after = snapshotCheckout(repo);
    for (const file of ['README.md', 'notes.txt', '.env', 'b.txt']) expect(after.files[file]).toBe(before.files[file]);
    expect(git(repo, 'diff', '--cached', '--name-only').trim()).toBe('b.txt');
    expect(git(repo, 'diff', '--name-only').trim()).toBe('README.md');
    expect(git(repo, 'status', '--porcelain', '--', 'a.txt', 'new.txt', 'src/app.py').trim()).toBe('');
    // The session is marked merged (log and meta), keeps its branch and worktree.
    const record = loadSession(appPaths(home), session.id);
    expect(record.state).toBe('merged');
    expect(record.merges).toHaveLength(1);
    expect(readListCache(sessionFiles(appPaths(home).sessions, session.id).meta)?.row.state).toBe('merged');
    expect(revParse(repo, session.branch)).toBe(session.commits[1]);
    expect(fs.existsSync(session.worktree)).toBe(true);
  });

  const blockers: Array<[string, (repo: string) => void, string]> = [
    ['an unstaged edit', (repo) => writeFiles(repo, { 'a.txt': 'my own edit\n' }), 'a.txt'],
    ['a staged edit', (repo) => (writeFiles(repo, { 'a.txt': 'staged edit\n' }), git(repo, 'add', 'a.txt')), 'a.txt'],
    ['an untracked file in the way', (repo) => writeFiles(repo, { 'new.txt': 'mine, untracked\n' }), 'new.txt'],
    ['an ignored file in the way', (repo) => writeFiles(repo, { 'ignored/cache.txt': 'ignored but mine\n' }), 'ignored/cache.txt'],
  ];

  it.each(blockers)(
    'refuses when a file the merge changes has %s, names it, and changes nothing',
    async (_what, makeLocalChange, blocked) => {
      const { repo, home, session } = await setup();
      // The session writes to an ignored path too, which git would overwrite silently on a checkout.
      await addStep(session, { files: { 'a.txt': 'session edit\n', 'new.txt': 'session file\n', '.gitignore': '.env\n' } });
      await addStep(session, { files: { 'ignored/cache.txt': 'from the session\n' } });
      finishSession(session);
      makeLocalChange(repo);
      const before = snapshotCheckout(repo);
      const mainBefore = revParse(repo, 'main');

      const error = await failure(mergeSession(appPaths(home), session.id));

      expect(error.code).toBe('CHECKOUT_HAS_CHANGES');
      expect(error.message).toContain(blocked);
      expect(error.message).toContain(repo);
      expect(snapshotCheckout(repo)).toEqual(before);
      expect(revParse(repo, 'main')).toBe(mainBefore);
      expect(loadSession(appPaths(home), session.id).state).toBe('passed');
      const preview = await previewSessionMerge(appPaths(home), session.id);
      expect(preview).toMatchObject({ canMerge: false, conflicts: [] });
      expect(preview.blockedBy).toContain(blocked);
    },
  );

  it('merges when the base branch moved meanwhile, on top of the new commits', async () => {
    const { repo, home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'line 1\nline 2\nline 3 by session\n' } });
    finishSession(session);
    writeFiles(repo, { 'b.txt': 'bee moved on main\n' });
    const moved = commitAll(repo, 'user work on main');

    const result = await mergeSession(appPaths(home), session.id);

    expect(git(repo, 'rev-parse', `${result.mergedCommit}^`).trim()).toBe(moved);
    expect(read(repo, 'b.txt')).toBe('bee moved on main\n');
    expect(read(repo, 'a.txt')).toBe('line 1\nline 2\nline 3 by session\n');
    expect(git(repo, 'status', '--porcelain').trim()).toBe('');
  });

  it('names the conflicting files when the base branch moved over the same lines, and changes nothing', async () => {
    const { repo, home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'line 1\nline 2 by session\nline 3\n', 'b.txt': null } });
    finishSession(session);
    writeFiles(repo, { 'a.txt': 'line 1\nline 2 by user\nline 3\n', 'b.txt': 'bee edited by user\n' });
    commitAll(repo, 'user edits the same lines');
    writeFiles(repo, { 'notes.txt': 'local\n' });
    const before = snapshotCheckout(repo);

    const preview = await previewSessionMerge(appPaths(home), session.id);
    expect(preview.canMerge).toBe(false);
    expect(preview.conflicts.sort()).toEqual(['a.txt', 'b.txt']);
    const error = await failure(mergeSession(appPaths(home), session.id));

    expect(error.code).toBe('MERGE_CONFLICTS');
    expect(error.message).toMatch(/a\.txt \(CONFLICT \(contents\)\)/);
    expect(error.message).toMatch(/b\.txt \(CONFLICT \(modify\/delete\)\)/);
    expect(snapshotCheckout(repo)).toEqual(before);
    expect(loadSession(appPaths(home), session.id).merges).toEqual([]);
  });
});

describe('merge into a branch nobody has checked out', () => {
  it('moves the branch with a compare-and-swap and leaves the user folder (on another branch) untouched', async () => {
    const { repo, home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'changed\n' } });
    finishSession(session);
    git(repo, 'switch', '-q', '-c', 'other');
    writeFiles(repo, { 'a.txt': 'local edit on other\n', 'scratch.txt': 'x\n' });
    const before = snapshotCheckout(repo);
    const mainBefore = revParse(repo, 'main');

    const result = await mergeSession(appPaths(home), session.id);

    expect(result.checkoutUpdated).toBe(false);
    expect(revParse(repo, 'main')).toBe(result.mergedCommit);
    expect(git(repo, 'show', `${result.mergedCommit}:a.txt`)).toBe('changed\n');
    expect(git(repo, 'rev-parse', `${result.mergedCommit}^`).trim()).toBe(mainBefore);
    expect(snapshotCheckout(repo)).toEqual(before);
    expect(git(repo, 'reflog', '-1', '--format=%gs', 'main')).toContain('mlx-factory: merge');
  });

  it('with --no-squash builds a merge commit whose second parent is the session head', async () => {
    const { repo, home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'one\n' } });
    await addStep(session, { files: { 'b.txt': 'two\n' } });
    finishSession(session);
    git(repo, 'switch', '-q', '--detach');
    const mainBefore = revParse(repo, 'main');

    const result = await mergeSession(appPaths(home), session.id, { squash: false });

    const parents = git(repo, 'rev-list', '--parents', '-n', '1', result.mergedCommit).trim().split(' ').slice(1);
    expect(parents).toEqual([mainBefore, session.commits[1]]);
    expect(git(repo, 'log', '-1', '--format=%s', result.mergedCommit).trim()).toBe(`Merge ${session.branch} into main`);
  });

  it('refuses a branch that no longer exists, naming it, and merges with --into', async () => {
    const repo = makeRepo({ files: BASE_FILES });
    git(repo, 'switch', '-q', '-c', 'feature');
    const home = makeTempDir('mlxf-home-');
    const session = await createSessionFixture({ repo, home });
    await addStep(session, { files: { 'a.txt': 'feature work\n' } });
    finishSession(session);
    git(repo, 'switch', '-q', 'main');
    git(repo, 'branch', '-q', '-D', 'feature');
    const before = snapshotCheckout(repo);

    const error = await failure(mergeSession(appPaths(home), session.id));
    expect(error.code).toBe('BRANCH_NOT_FOUND');
    expect(error.message).toContain('"feature" does not exist');
    expect(error.message).toContain('--into');
    expect(snapshotCheckout(repo)).toEqual(before);

    const result = await mergeSession(appPaths(home), session.id, { into: 'main' });
    expect(result.baseBranch).toBe('main');
    expect(read(repo, 'a.txt')).toBe('feature work\n');
  });

  it('a session started on a detached HEAD works, and its merge needs --into', async () => {
    const repo = makeRepo({ files: BASE_FILES });
    git(repo, 'switch', '-q', '--detach');
    const home = makeTempDir('mlxf-home-');
    const session = await createSessionFixture({ repo, home });
    expect(session.workspace.baseBranch).toBeNull();
    await addStep(session, { files: { 'a.txt': 'from a detached start\n' } });
    finishSession(session);
    const before = snapshotCheckout(repo);

    const error = await failure(mergeSession(appPaths(home), session.id));
    expect(error.code).toBe('MERGE_TARGET_REQUIRED');
    expect(error.message).toContain('--into BRANCH');
    expect(snapshotCheckout(repo)).toEqual(before);

    const result = await mergeSession(appPaths(home), session.id, { into: 'main' });
    expect(git(repo, 'show', 'main:a.txt')).toBe('from a detached start\n');
    expect(result.checkoutUpdated).toBe(false);
    expect(snapshotCheckout(repo)).toEqual(before); // detached HEAD: nothing in the folder moves
  });
});

describe('merging more than once', () => {
  it('a second merge with nothing new answers "Already merged" and changes nothing; after more steps only the new changes are merged (squash)', async () => {
    const { repo, home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'v2\n' } });
    finishSession(session);
    const paths = appPaths(home);
    const first = await mergeSession(paths, session.id);
    expect(first.alreadyMerged).toBe(false);
    const afterFirst = revParse(repo, 'main');
    const logBefore = fs.readFileSync(sessionFiles(paths.sessions, session.id).log, 'utf8');
    const refsBefore = git(repo, 'for-each-ref');
    const checkoutBefore = snapshotCheckout(repo);

    const again = await mergeSession(paths, session.id);
    expect(again).toMatchObject({ alreadyMerged: true, mergedCommit: afterFirst, baseBranch: 'main', files: [], checkoutUpdated: false });
    expect(again.message).toMatch(/^Already merged: .* is in main \(/);
    expect(again.message).toContain(afterFirst.slice(0, 8));
    // Nothing changed: no commit, no ref, no log line, the checkout as it was.
    expect(revParse(repo, 'main')).toBe(afterFirst);
    expect(git(repo, 'for-each-ref')).toBe(refsBefore);
    expect(fs.readFileSync(sessionFiles(paths.sessions, session.id).log, 'utf8')).toBe(logBefore);
    expect(snapshotCheckout(repo)).toEqual(checkoutBefore);
    const preview = await previewSessionMerge(paths, session.id);
    expect(preview).toMatchObject({ upToDate: true, canMerge: false, baseBranch: 'main' });
    expect(preview.message).toMatch(/^Already merged/);
    // The user commits on main after the merge: still nothing new from the session.
    writeFiles(repo, { 'mine.txt': 'mine\n' });
    commitAll(repo, 'the user works on');
    expect((await mergeSession(paths, session.id)).alreadyMerged).toBe(true);
    const afterUser = revParse(repo, 'main');

    // More attempts change the same line again: squash history must not make that a conflict.
    await addStep(session, { files: { 'a.txt': 'v3\n', 'c.txt': 'sea\n' } });
    const second = await mergeSession(paths, session.id);
    expect(second.alreadyMerged).toBe(false);
    expect(git(repo, 'rev-parse', `${second.mergedCommit}^`).trim()).toBe(afterUser);
    expect([...second.files].sort()).toEqual(['a.txt', 'c.txt']);
    expect(read(repo, 'a.txt')).toBe('v3\n');
    expect(read(repo, 'c.txt')).toBe('sea\n');
    expect(loadSession(paths, session.id).merges).toHaveLength(2);
  });

  it('merges again after more steps with --no-squash too', async () => {
    const { repo, home, session } = await setup();
    const paths = appPaths(home);
    await addStep(session, { files: { 'a.txt': 'v2\n' } });
    finishSession(session);
    await mergeSession(paths, session.id, { squash: false });
    await addStep(session, { files: { 'a.txt': 'v3\n' } });
    const second = await mergeSession(paths, session.id, { squash: false });
    expect(git(repo, 'rev-list', '--parents', '-n', '1', second.mergedCommit).trim().split(' ')).toHaveLength(3);
    expect(read(repo, 'a.txt')).toBe('v3\n');
  });

  it('two sessions merge one after the other into the same branch, and also at the same time', async () => {
    const repo = makeRepo({ files: BASE_FILES });
    const home = makeTempDir('mlxf-home-');
    const paths = appPaths(home);
    const [s1, s2, s3, s4] = await Promise.all([1, 2, 3, 4].map(() => createSessionFixture({ repo, home })));
    if (!s1 || !s2 || !s3 || !s4) throw new Error('sessions were not made');
    await addStep(s1, { files: { 'one.txt': '1\n' } });
    await addStep(s2, { files: { 'two.txt': '2\n' } });
    await addStep(s3, { files: { 'three.txt': '3\n' } });
    await addStep(s4, { files: { 'four.txt': '4\n' } });
    for (const s of [s1, s2, s3, s4]) finishSession(s);

    const first = await mergeSession(paths, s1.id);
    const second = await mergeSession(paths, s2.id);
    expect(git(repo, 'rev-parse', `${second.mergedCommit}^`).trim()).toBe(first.mergedCommit);
    // Concurrent merges into one branch serialize (per-repository lock + compare-and-swap).
    const both = await Promise.all([mergeSession(paths, s3.id), mergeSession(paths, s4.id)]);
    const log = git(repo, 'log', '--format=%H', '-4', 'main').trim().split('\n');
    expect(log.slice(0, 2).sort()).toEqual(both.map((b) => b.mergedCommit).sort());
    for (const file of ['one.txt', 'two.txt', 'three.txt', 'four.txt']) expect(fs.existsSync(path.join(repo, file))).toBe(true);
    expect(git(repo, 'status', '--porcelain').trim()).toBe('');
  });
});

describe('merge refusals and options', () => {
  it('refuses to merge a session that is still running', async () => {
    const { home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'x\n' } }); // no session.finished; meta names this live process
    const error = await failure(mergeSession(appPaths(home), session.id));
    expect(error.code).toBe('SESSION_RUNNING');
  });

  it('can remove the worktree after merging (snapshotting what was uncommitted) and keeps the branch until discard', async () => {
    const { repo, home, session } = await setup();
    await addStep(session, { files: { 'a.txt': 'merged\n' } });
    finishSession(session);
    writeFiles(session.worktree, { 'scratch.txt': 'left in the worktree\n' });
    const result = await mergeSession(appPaths(home), session.id, { removeWorktree: true });
    expect(result.worktreeRemoved).toBe(true);
    expect(fs.existsSync(session.worktree)).toBe(false);
    expect(revParse(repo, session.branch)).toBe(session.commits[0]);
    expect(git(repo, 'show', `refs/factory/${session.id}/merged/1-wip:scratch.txt`)).toBe('left in the worktree\n');
    const discarded = await discardSession(appPaths(home), session.id);
    expect(discarded).toMatchObject({ branchDeleted: true, worktreeRemoved: false });
    expect(gitResult(repo, 'rev-parse', '--verify', '--quiet', `refs/heads/${session.branch}`).code).not.toBe(0);
  });
});

describe('git merge --ff-only in the user folder (the claim the merge relies on)', () => {
  it('refuses local edits and untracked files in the way, and keeps unrelated local changes when it goes ahead', async () => {
    const repo = makeRepo({ files: BASE_FILES });
    const base = revParse(repo, 'HEAD');
    // A commit on top of main that changes a.txt and adds new.txt, built without touching the folder.
    const other = makeTempDir('mlxf-other-');
    git(repo, 'worktree', 'add', '-q', '--detach', path.join(other, 'wt'), base);
    writeFiles(path.join(other, 'wt'), { 'a.txt': 'theirs\n', 'new.txt': 'theirs\n' });
    const next = commitAll(path.join(other, 'wt'), 'next');
    const tree = git(repo, 'rev-parse', `${next}^{tree}`).trim();
    const commit = await commitTree({ cwd: repo, tree, parents: [base], message: 'squash' });

    writeFiles(repo, { 'a.txt': 'mine\n' });
    let before = snapshotCheckout(repo);
    const edited = await fastForwardCheckout(repo, commit);
    expect(edited).toMatchObject({ ok: false, files: ['a.txt'] });
    expect(snapshotCheckout(repo)).toEqual(before);
    git(repo, 'checkout', '--', 'a.txt');

    writeFiles(repo, { 'new.txt': 'untracked, mine\n' });
    before = snapshotCheckout(repo);
    const untracked = await fastForwardCheckout(repo, commit);
    expect(untracked).toMatchObject({ ok: false, files: ['new.txt'] });
    expect(untracked.ok === false && untracked.message).toMatch(/untracked working tree files would be overwritten/);
    expect(snapshotCheckout(repo)).toEqual(before);
    fs.rmSync(path.join(repo, 'new.txt'));

    writeFiles(repo, { 'README.md': 'unrelated edit\n', 'b.txt': 'staged\n', 'notes.txt': 'untracked\n' });
    git(repo, 'add', 'b.txt');
    expect(await fastForwardCheckout(repo, commit)).toEqual({ ok: true });
    expect(revParse(repo, 'HEAD')).toBe(commit);
    expect(read(repo, 'README.md')).toBe('unrelated edit\n');
    expect(read(repo, 'notes.txt')).toBe('untracked\n');
    expect(git(repo, 'diff', '--cached', '--name-only').trim()).toBe('b.txt');
    expect(read(repo, 'a.txt')).toBe('theirs\n');
  });

  it('but overwrites an ignored file in the way without a word — why the merge checks ignored files itself', async () => {
    const repo = makeRepo({ files: { '.gitignore': 'ignored/\n', 'a.txt': 'a\n' } });
    git(repo, 'switch', '-q', '-c', 'theirs');
    writeFiles(repo, { '.gitignore': '', 'ignored/c.txt': 'theirs\n' });
    const next = commitAll(repo, 'adds a file the user ignores');
    git(repo, 'switch', '-q', 'main');
    writeFiles(repo, { 'ignored/c.txt': 'mine\n' });
    expect(await fastForwardCheckout(repo, next)).toEqual({ ok: true });
    expect(read(repo, 'ignored/c.txt')).toBe('theirs\n');
  });
});

/** git's fast-forward as the merge runs it: detached, its output in a file. */
function fastForwardCheckout(repo: string, commit: string): ReturnType<typeof startFastForward>['done'] {
  return startFastForward(repo, commit, path.join(makeTempDir('mlxf-ff-'), 'output.txt')).done;
}
