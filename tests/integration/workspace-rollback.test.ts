// Rolling a session back to any step: the branch moves, the worktree follows, dropped commits and
// uncommitted work stay reachable under refs/factory/<id>/…, and rolling "forward" restores them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../src/home/app-home.js';
import { mergeSession } from '../../src/sessions/merge-session.js';
import { rollbackSession } from '../../src/sessions/rollback-session.js';
import { loadSession } from '../../src/sessions/session-store.js';
import { ensureSessionWorktree } from '../../src/workspace/restore-worktree.js';
import { git, makeRepo, makeTempDir, removeTempDirs, revParse, snapshotCheckout, writeFiles } from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

async function threeSteps() {
  const repo = makeRepo({ files: { 'app.py': 'v0\n', 'README.md': 'readme\n' } });
  const home = makeTempDir('mlxf-home-');
  const session = await createSessionFixture({ repo, home });
  await addStep(session, { files: { 'app.py': 'v1\n' } });
  await addStep(session, { files: { 'app.py': 'v2\n', 'extra.py': 'extra\n' } });
  await addStep(session, { files: { 'app.py': 'v3\n' } });
  finishSession(session, 'failed');
  return { repo, home, session, paths: appPaths(home) };
}

const read = (dir: string, rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');

describe('rollback', () => {
  it('moves the branch and the worktree back, keeps the dropped commits under a ref, and can restore them', async () => {
    const { repo, paths, session } = await threeSteps();
    const userBefore = snapshotCheckout(repo);

    const back = await rollbackSession(paths, session.id, 1);

    expect(back).toMatchObject({
      headCommit: session.commits[0],
      droppedCommits: 2,
      keptRef: `refs/factory/${session.id}/rollback/1`,
      wipRef: null,
      worktreeMoved: true,
    });
    expect(revParse(repo, session.branch)).toBe(session.commits[0]);
    expect(revParse(session.worktree, 'HEAD')).toBe(session.commits[0]);
    expect(read(session.worktree, 'app.py')).toBe('v1\n');
    expect(fs.existsSync(path.join(session.worktree, 'extra.py'))).toBe(false);
    expect(git(session.worktree, 'status', '--porcelain').trim()).toBe('');
    expect(revParse(repo, `refs/factory/${session.id}/rollback/1`)).toBe(session.commits[2]);
    const record = loadSession(paths, session.id);
    expect(record.currentSteps).toEqual([1]);
    expect(record.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(record.headCommit).toBe(session.commits[0]);
    expect(snapshotCheckout(repo)).toEqual(userBefore);

    // Roll "forward" to a dropped step: the rollback is undone.
    const restored = await rollbackSession(paths, session.id, 3);
    expect(restored.headCommit).toBe(session.commits[2]);
    expect(read(session.worktree, 'app.py')).toBe('v3\n');
    expect(read(session.worktree, 'extra.py')).toBe('extra\n');
    expect(loadSession(paths, session.id).currentSteps).toEqual([1, 2, 3]);
    expect(revParse(repo, `refs/factory/${session.id}/rollback/2`)).toBe(session.commits[0]);
  });

  it('goes back to the base with step 0, keeping uncommitted work in the worktree as a commit under a ref', async () => {
    const { repo, paths, session } = await threeSteps();
    writeFiles(session.worktree, { 'app.py': 'edited by hand in the worktree\n', 'notes.md': 'untracked notes\n' });

    const back = await rollbackSession(paths, session.id, 0);

    expect(back.headCommit).toBe(session.workspace.baseCommit);
    expect(read(session.worktree, 'app.py')).toBe('v0\n');
    expect(back.wipRef).toBe(`refs/factory/${session.id}/rollback/1-wip`);
    expect(git(repo, 'show', `${back.wipRef}:app.py`)).toBe('edited by hand in the worktree\n');
    expect(git(repo, 'show', `${back.wipRef}:notes.md`)).toBe('untracked notes\n');
    expect(revParse(repo, `${back.wipRef}^`)).toBe(session.commits[2]);
    expect(loadSession(paths, session.id).currentSteps).toEqual([]);
  });

  it('after a rollback, a merge takes the rolled-back state', async () => {
    const { repo, paths, session } = await threeSteps();
    await rollbackSession(paths, session.id, 1);
    await mergeSession(paths, session.id);
    expect(read(repo, 'app.py')).toBe('v1\n');
    expect(fs.existsSync(path.join(repo, 'extra.py'))).toBe(false);
  });

  it('moves the branch alone when the worktree folder was deleted by hand, and the worktree can be made again', async () => {
    const { repo, paths, session } = await threeSteps();
    fs.rmSync(session.worktree, { recursive: true, force: true });

    const back = await rollbackSession(paths, session.id, 2);

    expect(back.worktreeMoved).toBe(false);
    expect(revParse(repo, session.branch)).toBe(session.commits[1]);
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain(session.worktree);
    expect(await ensureSessionWorktree(repo, session.worktree, session.branch)).toBe(true);
    expect(read(session.worktree, 'app.py')).toBe('v2\n');
    expect(await ensureSessionWorktree(repo, session.worktree, session.branch)).toBe(false);
  });

  it('refuses an unknown step and a running session, changing nothing', async () => {
    const { repo, paths, session } = await threeSteps();
    const before = snapshotCheckout(session.worktree);
    await expect(rollbackSession(paths, session.id, 9)).rejects.toMatchObject({
      code: 'STEP_NOT_FOUND',
      message: expect.stringContaining('1, 2, 3'),
    });
    expect(snapshotCheckout(session.worktree)).toEqual(before);

    const running = await createSessionFixture({ repo, home: paths.home });
    await addStep(running, { files: { 'app.py': 'r1\n' } });
    await expect(rollbackSession(paths, running.id, 0)).rejects.toMatchObject({ code: 'SESSION_RUNNING' });
    expect(revParse(repo, running.branch)).toBe(running.commits[0]);
  });
});
