// Discarding sessions (archive refs kept, worktree removed or pruned, branch deleted), and what
// happens when the repository itself was moved or deleted after the session started.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../src/home/app-home.js';
import { discardSession } from '../../src/sessions/discard-session.js';
import { mergeSession } from '../../src/sessions/merge-session.js';
import { relocateSession } from '../../src/sessions/relocate-session.js';
import { sessionDiff } from '../../src/sessions/review-session.js';
import { rollbackSession } from '../../src/sessions/rollback-session.js';
import { loadAllSessions, loadSession } from '../../src/sessions/session-store.js';
import { readListCache, sessionFiles } from '../../src/sessions/session-meta.js';
import { git, gitResult, makeRepo, makeTempDir, removeTempDirs, revParse, snapshotCheckout, writeFiles } from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

async function finished() {
  const repo = makeRepo({ files: { 'app.py': 'v0\n', '.gitignore': '.env\n' } });
  const home = makeTempDir('mlxf-home-');
  const session = await createSessionFixture({ repo, home });
  await addStep(session, { files: { 'app.py': 'v1\n' } });
  await addStep(session, { files: { 'lib.py': 'lib\n' } });
  finishSession(session);
  return { repo, home, session, paths: appPaths(home) };
}

describe('discard', () => {
  it('removes the worktree and the branch, keeps the commits and uncommitted work under archive refs', async () => {
    const { repo, paths, session } = await finished();
    writeFiles(session.worktree, { 'app.py': 'unsaved edit\n', 'draft.txt': 'draft\n' });
    writeFiles(repo, { 'mine.txt': 'user file\n', '.env': 'KEY=1\n' });
    const userBefore = snapshotCheckout(repo);

    const result = await discardSession(paths, session.id);

    expect(result).toEqual({
      headCommit: session.commits[1],
      archiveRef: `refs/factory/${session.id}/archive`,
      wipRef: `refs/factory/${session.id}/archive-wip`,
      worktreeRemoved: true,
      branchDeleted: true,
    });
    expect(fs.existsSync(session.worktree)).toBe(false);
    expect(gitResult(repo, 'rev-parse', '--verify', '--quiet', `refs/heads/${session.branch}`).code).not.toBe(0);
    expect(revParse(repo, `refs/factory/${session.id}/archive`)).toBe(session.commits[1]);
    expect(git(repo, 'show', `refs/factory/${session.id}/archive-wip:app.py`)).toBe('unsaved edit\n');
    expect(git(repo, 'show', `refs/factory/${session.id}/archive-wip:draft.txt`)).toBe('draft\n');
    expect(git(repo, 'worktree', 'list')).not.toContain(session.worktree);
    expect(snapshotCheckout(repo)).toEqual(userBefore);
    expect(loadSession(paths, session.id).state).toBe('discarded');
    expect(readListCache(sessionFiles(paths.sessions, session.id).meta)?.row.state).toBe('discarded');

    // The session is still listed, and what needs its branch says why it cannot.
    expect(loadAllSessions(paths).sessions.map((s) => [s.id, s.state])).toEqual([[session.id, 'discarded']]);
    await expect(discardSession(paths, session.id)).rejects.toMatchObject({
      code: 'SESSION_DISCARDED',
      message: expect.stringContaining('archive'),
    });
    await expect(mergeSession(paths, session.id)).rejects.toMatchObject({ code: 'SESSION_DISCARDED' });
    await expect(rollbackSession(paths, session.id, 1)).rejects.toMatchObject({ code: 'SESSION_DISCARDED' });
    // Its diff is still there (from the archived head).
    expect((await sessionDiff(paths, session.id)).files.map((f) => f.path).sort()).toEqual(['app.py', 'lib.py']);
  });

  it('prunes a worktree whose folder the user deleted by hand', async () => {
    const { repo, paths, session } = await finished();
    fs.rmSync(session.worktree, { recursive: true, force: true });
    expect(git(repo, 'worktree', 'list', '--porcelain')).toContain('prunable');
    // Merging needs only the branch, not the folder.
    await mergeSession(paths, session.id);
    expect(fs.readFileSync(path.join(repo, 'lib.py'), 'utf8')).toBe('lib\n');

    const result = await discardSession(paths, session.id);

    expect(result).toMatchObject({ worktreeRemoved: false, branchDeleted: true, wipRef: null });
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain(session.worktree);
    expect(revParse(repo, `refs/factory/${session.id}/archive`)).toBe(session.commits[1]);
  });
});

describe('a repository moved or deleted after the session started', () => {
  it('deleted: every operation says so and changes nothing; the session stays listed', async () => {
    const { repo, paths, session } = await finished();
    fs.rmSync(repo, { recursive: true, force: true });
    const logBefore = fs.readFileSync(sessionFiles(paths.sessions, session.id).log, 'utf8');
    for (const operation of [
      () => mergeSession(paths, session.id),
      () => discardSession(paths, session.id),
      () => rollbackSession(paths, session.id, 0),
      () => sessionDiff(paths, session.id),
    ]) {
      await expect(operation()).rejects.toMatchObject({ code: 'REPO_GONE', message: expect.stringContaining(`${repo} no longer exists`) });
    }
    expect(fs.readFileSync(sessionFiles(paths.sessions, session.id).log, 'utf8')).toBe(logBefore);
    expect(fs.readFileSync(path.join(session.worktree, 'app.py'), 'utf8')).toBe('v1\n');
    expect(loadAllSessions(paths).sessions[0]?.state).toBe('passed');
  });

  it('moved: refused with the way out, then relocated, and the merge works', async () => {
    const { repo, paths, session } = await finished();
    const moved = path.join(path.dirname(repo), 'moved-repo');
    fs.renameSync(repo, moved);
    const error = await mergeSession(paths, session.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REPO_GONE' });
    expect((error as Error).message).toContain('sessions relocate');

    const relocation = await relocateSession(paths, session.id, moved);
    expect(relocation).toEqual({ from: repo, to: moved });
    expect(loadSession(paths, session.id).repo).toBe(moved);
    expect(git(session.worktree, 'rev-parse', 'HEAD').trim()).toBe(session.commits[1]); // the worktree is linked again
    await mergeSession(paths, session.id);
    expect(fs.readFileSync(path.join(moved, 'lib.py'), 'utf8')).toBe('lib\n');

    const stranger = makeRepo({ files: { 'x.txt': 'x\n' } });
    await expect(relocateSession(paths, session.id, stranger)).rejects.toMatchObject({
      code: 'BAD_USAGE',
      message: expect.stringContaining('base commit'),
    });
  });
});
