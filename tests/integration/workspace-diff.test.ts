// Reviewing a session against its recorded base: the whole change and each step, file statuses
// (added, modified, deleted, renamed, binary), line counts, and both sides of a file for a diff view.
import { afterAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../src/home/app-home.js';
import { sessionChanges, sessionDiff, sessionFilePair } from '../../src/sessions/review-session.js';
import { listCommits } from '../../src/workspace/git/log-commits.js';
import { commitAll, makeRepo, makeTempDir, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 0, 4]);
const LONG = Array.from({ length: 40 }, (_, i) => `line ${i} of a file long enough for rename detection`).join('\n') + '\n';

async function reviewedSession() {
  const repo = makeRepo({
    files: { 'keep.txt': 'keep\n', 'edit.txt': 'one\ntwo\nthree\n', 'gone.txt': 'bye\n', 'old/name.txt': LONG, 'logo.png': PNG },
  });
  const home = makeTempDir('mlxf-home-');
  const session = await createSessionFixture({ repo, home });
  await addStep(session, { files: { 'edit.txt': 'one\nTWO\nthree\nfour\n', 'added.py': 'print(1)\n' } });
  await addStep(session, {
    files: { 'gone.txt': null, 'logo.png': Buffer.concat([PNG, Buffer.from([9, 9, 0])]) },
    renames: [['old/name.txt', 'new/name.txt']],
  });
  finishSession(session);
  return { repo, home, session, paths: appPaths(home) };
}

describe('session diff', () => {
  it('lists the whole change against the recorded base, with statuses, renames, binaries and line counts', async () => {
    const { paths, session } = await reviewedSession();
    const diff = await sessionDiff(paths, session.id);
    expect(diff.base).toBe(session.workspace.baseCommit);
    expect(diff.head).toBe(session.commits[1]);
    const byPath = Object.fromEntries(diff.files.map((f) => [f.path, f]));
    expect(byPath['edit.txt']).toEqual({
      path: 'edit.txt',
      oldPath: null,
      status: 'modified',
      additions: 2,
      deletions: 1,
      binary: false,
      blob: expect.stringMatching(/^[0-9a-f]{40}$/) as string,
    });
    expect(byPath['added.py']).toMatchObject({ status: 'added', additions: 1, deletions: 0, binary: false });
    expect(byPath['gone.txt']).toMatchObject({ status: 'deleted', additions: 0, deletions: 1 });
    expect(byPath['new/name.txt']).toMatchObject({ status: 'renamed', oldPath: 'old/name.txt', additions: 0, deletions: 0 });
    expect(byPath['logo.png']).toMatchObject({ status: 'modified', binary: true, additions: null, deletions: null });
    expect(diff.files).toHaveLength(5);
    expect(byPath['keep.txt']).toBeUndefined();
  });

  it('lists one step at a time (its commit against its parent)', async () => {
    const { paths, session } = await reviewedSession();
    const first = await sessionChanges(paths, session.id, { step: 1 });
    expect(first.base).toBe(session.workspace.baseCommit);
    expect(first.files.map((f) => `${f.status} ${f.path}`).sort()).toEqual(['added added.py', 'modified edit.txt']);
    const second = await sessionDiff(paths, session.id, { commit: session.commits[1] });
    expect(second.base).toBe(session.commits[0]);
    expect(second.files.map((f) => `${f.status} ${f.path}`).sort()).toEqual([
      'deleted gone.txt',
      'modified logo.png',
      'renamed new/name.txt',
    ]);
    await expect(sessionChanges(paths, session.id, { step: 7 })).rejects.toMatchObject({ code: 'STEP_NOT_FOUND' });
    // The commits carry the loop's trailers.
    const commits = await listCommits(session.repo, session.workspace.baseCommit, session.branch);
    expect(commits.map((c) => [c.session, c.attempt])).toEqual([
      [session.id, 1],
      [session.id, 2],
    ]);
  });

  it('stays against the recorded base when the user branch moves on', async () => {
    const { repo, paths, session } = await reviewedSession();
    writeFiles(repo, { 'keep.txt': 'changed on main after the session started\n' });
    commitAll(repo, 'main moves on');
    const diff = await sessionDiff(paths, session.id);
    expect(diff.base).toBe(session.workspace.baseCommit);
    expect(diff.files.map((f) => f.path)).not.toContain('keep.txt');
  });

  it('gives both sides of a file for the diff view: text, added, deleted, renamed and binary', async () => {
    const { paths, session } = await reviewedSession();
    const edit = await sessionFilePair(paths, session.id, 'edit.txt');
    expect(edit.left).toEqual({ exists: true, binary: false, tooLarge: false, size: 14, text: 'one\ntwo\nthree\n' });
    expect(edit.right.text).toBe('one\nTWO\nthree\nfour\n');
    const added = await sessionFilePair(paths, session.id, 'added.py');
    expect(added.left.exists).toBe(false);
    expect(added.right.text).toBe('print(1)\n');
    const gone = await sessionFilePair(paths, session.id, 'gone.txt');
    expect(gone.left.text).toBe('bye\n');
    expect(gone.right.exists).toBe(false);
    const renamed = await sessionFilePair(paths, session.id, 'new/name.txt');
    expect(renamed.left.text).toBe(LONG);
    expect(renamed.right.text).toBe(LONG);
    const binary = await sessionFilePair(paths, session.id, 'logo.png');
    expect(binary.left).toEqual({ exists: true, binary: true, tooLarge: false, size: PNG.length, text: null });
    expect(binary.right).toMatchObject({ exists: true, binary: true, size: PNG.length + 3, text: null });
    const stepPair = await sessionFilePair(paths, session.id, 'edit.txt', { step: 1 });
    expect(stepPair.base).toBe(session.workspace.baseCommit);
    const unchanged = await sessionFilePair(paths, session.id, 'keep.txt');
    expect([unchanged.left.text, unchanged.right.text]).toEqual(['keep\n', 'keep\n']);
    const absent = await sessionFilePair(paths, session.id, 'no/such/file');
    expect([absent.left.exists, absent.right.exists]).toEqual([false, false]);
  });
});
