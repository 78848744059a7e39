// The conflict view (#21) on real repositories: when merging a session into main, or updating it from
// main, would conflict, each conflicting file comes with its hunks — both sides and the common base —
// from the merge-tree the merge itself would run (git 2.39 has no --merge-base: a session merged
// before re-merges through a graft, and its view must come from that same base). Nothing on disk moves.
import { afterAll, describe, expect, it } from 'vitest';
import { parseConflictHunks } from '../../src/api/conflict-hunks.js';
import { appPaths } from '../../src/home/app-home.js';
import { sessionConflicts } from '../../src/sessions/conflict-view.js';
import { mergeSession } from '../../src/sessions/merge-session.js';
import { commitAll, git, makeRepo, makeTempDir, removeTempDirs, snapshotCheckout, writeFiles } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

const BASE = 'one\ntwo\nthree\nfour\nfive\n';

async function conflicted() {
  const repo = makeRepo({ files: { 'a.txt': BASE, 'b.txt': 'bee\n' } });
  const home = makeTempDir('mlxf-home-');
  const session = await createSessionFixture({ repo, home });
  await addStep(session, { files: { 'a.txt': 'one\nTWO from the session\nthree\nfour\nfive\n' } });
  finishSession(session);
  writeFiles(repo, { 'a.txt': 'one\ntwo on main\nthree\nfour\nfive\n' });
  commitAll(repo, 'main edits line 2');
  return { repo, home, session };
}

describe('conflict view', () => {
  it('a conflicting merge: the file, the hunk with main, the session and the common base; nothing changes', async () => {
    const { repo, home, session } = await conflicted();
    const before = snapshotCheckout(repo);
    const branches = git(repo, 'for-each-ref', '--format=%(refname) %(objectname)');
    const view = await sessionConflicts(appPaths(home), session.id, 'merge');
    expect(view).toMatchObject({ direction: 'merge', ours: 'main', theirs: 'the session' });
    expect(view.files).toEqual([
      {
        path: 'a.txt',
        kinds: expect.arrayContaining([expect.stringContaining('CONFLICT')]) as unknown,
        hunks: [{ line: 2, ours: ['two on main'], base: ['two'], theirs: ['TWO from the session'] }],
      },
    ]);
    expect(snapshotCheckout(repo)).toEqual(before);
    expect(git(repo, 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(branches);
  });

  it('a conflicting update from the base: the sides the other way round; the CLI prints labelled sections, no markers', async () => {
    const { repo, home, session } = await conflicted();
    const view = await sessionConflicts(appPaths(home), session.id, 'update');
    expect(view).toMatchObject({ direction: 'update', ours: 'the session', theirs: 'main' });
    expect(view.files[0]?.hunks).toEqual([{ line: 2, ours: ['TWO from the session'], base: ['two'], theirs: ['two on main'] }]);
    const cli = await runCli(['sessions', 'conflicts', session.id, '--update'], { cwd: repo, home });
    expect(cli.exitCode).toBe(1);
    expect(cli.stdout).toContain('a.txt');
    expect(cli.stdout).toMatch(/the session:\n\s+TWO from the session\n\s+common base:\n\s+two\n\s+main:\n\s+two on main/);
    expect(cli.stdout).not.toMatch(/<{7}|>{7}|={7}/);
  });

  it('after a squash merge, the re-merge base is the one merged last time (the graft path on git 2.39)', async () => {
    const repo = makeRepo({ files: { 'a.txt': BASE } });
    const home = makeTempDir('mlxf-home-');
    const session = await createSessionFixture({ repo, home });
    await addStep(session, { files: { 'a.txt': 'one\ntwo\nthree\nfour\nFIVE\n' } });
    finishSession(session);
    await mergeSession(appPaths(home), session.id);
    // The session changes line 5 again; main changes the same line after the merge.
    await addStep(session, { files: { 'a.txt': 'one\ntwo\nthree\nfour\nFIVE again\n' }, attempt: 2 });
    writeFiles(repo, { 'a.txt': 'one\ntwo\nthree\nfour\nfive on main\n' });
    commitAll(repo, 'main edits line 5');
    const view = await sessionConflicts(appPaths(home), session.id, 'merge');
    // The base is the session's merged FIVE, not the original five: only the lines after the first merge are in play.
    expect(view.files[0]?.hunks).toEqual([{ line: 5, ours: ['five on main'], base: ['FIVE'], theirs: ['FIVE again'] }]);
  });

  it('a clean merge has no conflicting files', async () => {
    const repo = makeRepo({ files: { 'a.txt': BASE } });
    const home = makeTempDir('mlxf-home-');
    const session = await createSessionFixture({ repo, home });
    await addStep(session, { files: { 'b.txt': 'new\n' } });
    finishSession(session);
    expect((await sessionConflicts(appPaths(home), session.id, 'merge')).files).toEqual([]);
    expect((await sessionConflicts(appPaths(home), session.id, 'update')).files).toEqual([]);
  });

  it('parses hunks without a base section and leaves marker-like text that opens nothing alone', () => {
    expect(parseConflictHunks('a\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\nb\n')).toEqual([
      { line: 2, ours: ['x'], base: null, theirs: ['y'] },
    ]);
    expect(parseConflictHunks('<<<<<<< not a conflict\njust text\n')).toEqual([]);
  });
});
