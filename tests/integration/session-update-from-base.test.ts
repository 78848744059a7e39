// `mlx-factory sessions update ID`: the base branch merged into the session branch (a merge, so the
// steps keep their commits), predicted first — a conflict changes nothing and names the file — and
// the base recorded again, so the session's diff shows only the session's own work.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../src/home/app-home.js';
import { sessionChanges } from '../../src/sessions/review-session.js';
import { loadSession } from '../../src/sessions/session-store.js';
import { commitAll, git, makeRepo, makeTempDir, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

describe('mlx-factory sessions update', () => {
  it('merges main into the session branch, records the new base, and refuses a conflict changing nothing', async () => {
    const repo = makeRepo({ files: { 'app.py': 'print(0)\n', 'README.md': 'r\n' } });
    const home = makeTempDir('mlxf-home-');
    const session = await createSessionFixture({ repo, home, name: 'Fix the app' });
    await addStep(session, { files: { 'app.py': 'print(1)\n' } });
    finishSession(session);
    const step1 = git(session.worktree, 'rev-parse', 'HEAD').trim();

    // main moves on with a change the session does not touch.
    writeFiles(repo, { 'NOTES.md': 'from main\n' });
    const mainTip = commitAll(repo, 'notes on main');
    const updated = await runCli(['sessions', 'update', session.id, '--json'], { cwd: repo, home });
    expect(updated.exitCode, updated.stderr).toBe(0);
    const result = JSON.parse(updated.stdout) as { updated: boolean; toBase: string; mergeCommit: string; files: string[] };
    expect(result).toMatchObject({ updated: true, toBase: mainTip, files: ['NOTES.md'] });
    // A merge commit on top of the step (step 1 keeps its commit), and the worktree has main's file.
    expect(git(repo, 'rev-parse', `${session.branch}`).trim()).toBe(result.mergeCommit);
    expect(git(repo, 'rev-list', '--parents', '-n', '1', session.branch).trim().split(' ')).toEqual([result.mergeCommit, step1, mainTip]);
    expect(fs.readFileSync(path.join(session.worktree, 'NOTES.md'), 'utf8')).toBe('from main\n');
    expect(git(session.worktree, 'status', '--porcelain').trim()).toBe('');
    const record = loadSession(appPaths(home), session.id);
    expect(record).toMatchObject({ baseCommit: mainTip, headCommit: result.mergeCommit, currentSteps: [1] });
    // The diff is against the new base: only the session's own change.
    expect((await sessionChanges(appPaths(home), session.id, {})).files.map((f) => f.path)).toEqual(['app.py']);
    const again = await runCli(['sessions', 'update', session.id], { cwd: repo, home });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/already has everything on main/);

    // main changes the file the session changed: a conflict, named, and nothing moves.
    writeFiles(repo, { 'app.py': 'print(2)\n' });
    commitAll(repo, 'main edits app.py');
    const before = git(repo, 'rev-parse', session.branch).trim();
    const conflict = await runCli(['sessions', 'update', session.id], { cwd: repo, home });
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toMatch(/would conflict in 1 file\(s\); nothing was changed:\n\s+app\.py/);
    expect(git(repo, 'rev-parse', session.branch).trim()).toBe(before);
    expect(fs.readFileSync(path.join(session.worktree, 'app.py'), 'utf8')).toBe('print(1)\n');
    expect(loadSession(appPaths(home), session.id).baseCommit).toBe(mainTip);
  });
});
