// Stash-and-merge (#21 part 4) through the real CLI on real repositories: a merge blocked by the
// user's uncommitted changes goes through with --stash and puts them back; a restore that would
// conflict stops with the changes under refs/factory/stash/N, says the git command that restores them,
// and every later command says it again until the ref is gone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, gitResult, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

const lines = (n: number, tag = ''): string => Array.from({ length: n }, (_, i) => `line ${i + 1}${tag}\n`).join('');

function withLine(text: string, index: number, value: string): string {
  const all = text.split('\n');
  all[index] = value;
  return all.join('\n');
}

async function setUp(): Promise<{ repo: string; home: string; id: string }> {
  const repo = makeRepo({ files: { 'app.py': lines(12), 'conf.ini': lines(12, ' conf'), 'notes.txt': 'notes\n' } });
  const home = path.join(makeTempDir('mlxf-stash-home-'), 'home');
  const session = await createSessionFixture({ repo, home, name: 'Edit the top lines' });
  await addStep(session, {
    files: {
      'app.py': withLine(lines(12), 0, 'line 1 by the session'),
      'conf.ini': withLine(lines(12, ' conf'), 0, 'first by the session'),
    },
  });
  finishSession(session);
  return { repo, home, id: session.id };
}

const stashRefs = (repo: string): string => git(repo, 'for-each-ref', '--format=%(refname)', 'refs/factory/stash/').trim();

describe('sessions merge --stash', () => {
  it('puts the changes in the way aside, merges, and puts them back (staged comes back staged, unrelated changes untouched)', async () => {
    const { repo, home, id } = await setUp();
    fs.writeFileSync(path.join(repo, 'app.py'), withLine(lines(12), 10, 'line 11 by the user'));
    fs.writeFileSync(path.join(repo, 'conf.ini'), withLine(lines(12, ' conf'), 10, 'eleventh by the user'));
    git(repo, 'add', 'conf.ini');
    fs.writeFileSync(path.join(repo, 'notes.txt'), 'notes\nstill typing\n');
    fs.writeFileSync(path.join(repo, 'scratch.txt'), 'untracked\n');

    const blocked = await runCli(['sessions', 'merge', id], { cwd: repo, home });
    expect(blocked.exitCode).not.toBe(0);
    expect(blocked.stderr).toContain('--stash');
    expect(git(repo, 'log', '--format=%s', '-1', 'main').trim()).toBe('initial');

    const merged = await runCli(['sessions', 'merge', id, '--stash', '--json'], { cwd: repo, home });
    expect(merged.exitCode, merged.stderr).toBe(0);
    const result = JSON.parse(merged.stdout) as { stash: { restored: boolean; files: string[]; ref: string } };
    expect(result.stash.restored).toBe(true);
    expect(result.stash.files.sort()).toEqual(['app.py', 'conf.ini']);
    // Both sides' lines: the session's (merged) and the user's (restored).
    const app = fs.readFileSync(path.join(repo, 'app.py'), 'utf8');
    expect(app).toContain('line 1 by the session');
    expect(app).toContain('line 11 by the user');
    expect(fs.readFileSync(path.join(repo, 'conf.ini'), 'utf8')).toContain('eleventh by the user');
    // What was staged is staged again; what was not is not.
    expect(git(repo, 'status', '--porcelain', 'app.py', 'conf.ini')).toBe(' M app.py\nM  conf.ini\n');
    expect(fs.readFileSync(path.join(repo, 'notes.txt'), 'utf8')).toBe('notes\nstill typing\n');
    expect(fs.readFileSync(path.join(repo, 'scratch.txt'), 'utf8')).toBe('untracked\n');
    expect(git(repo, 'show', 'main:app.py')).not.toContain('by the user');
    expect(stashRefs(repo)).toBe('');
    expect(fs.existsSync(path.join(repo, '.git', 'mlx-factory', 'stash-journal.json'))).toBe(false);
    expect(git(repo, 'stash', 'list')).toBe('');
  });

  it('a conflicting restore stops: merged, the changes under the ref, the command said now and by the next command', async () => {
    const { repo, home, id } = await setUp();
    fs.writeFileSync(path.join(repo, 'app.py'), withLine(lines(12), 0, 'line 1 by the user'));
    const merged = await runCli(['sessions', 'merge', id, '--stash'], { cwd: repo, home });
    expect(merged.exitCode).toBe(1);
    const command = `git -C ${repo} stash apply refs/factory/stash/1 && git -C ${repo} update-ref -d refs/factory/stash/1`;
    expect(merged.stdout).toContain(command);
    expect(merged.stdout).toContain('conflict with the merge in app.py');
    // The merge is done and recorded; the checkout holds the merged file; the user's line is in the ref.
    expect(fs.readFileSync(path.join(repo, 'app.py'), 'utf8')).toBe(git(repo, 'show', 'main:app.py'));
    expect(git(repo, 'show', 'refs/factory/stash/1:app.py')).toContain('line 1 by the user');
    expect(git(repo, 'status', '--porcelain')).toBe('');

    const next = await runCli(['sessions', 'diff', id, '--files'], { cwd: repo, home });
    expect(next.exitCode).not.toBe(0);
    expect(next.stderr).toContain(command);

    // The command works as said: git marks the conflict with both lines; the ref is the user's to drop.
    const applied = gitResult(repo, 'stash', 'apply', 'refs/factory/stash/1');
    expect(applied.code).not.toBe(0);
    const marked = fs.readFileSync(path.join(repo, 'app.py'), 'utf8');
    expect(marked).toContain('line 1 by the user');
    expect(marked).toContain('line 1 by the session');
    git(repo, 'update-ref', '-d', 'refs/factory/stash/1');
    const after = await runCli(['sessions', 'diff', id, '--files'], { cwd: repo, home });
    expect(after.exitCode, after.stderr).toBe(0);
    expect(fs.existsSync(path.join(repo, '.git', 'mlx-factory', 'stash-journal.json'))).toBe(false);
  });

  it('an untracked file where the session adds one is stashed and kept (it cannot come back over the merged file)', async () => {
    const { repo, home, id } = await setUp();
    const session = await createSessionFixture({ repo, home, name: 'Add a file' });
    await addStep(session, { files: { 'added.txt': 'from the session\n' } });
    finishSession(session);
    fs.writeFileSync(path.join(repo, 'added.txt'), 'the user’s own\n');
    const merged = await runCli(['sessions', 'merge', session.id, '--stash'], { cwd: repo, home });
    expect(merged.exitCode).toBe(1);
    expect(fs.readFileSync(path.join(repo, 'added.txt'), 'utf8')).toBe('from the session\n');
    expect(git(repo, 'show', 'refs/factory/stash/1^3:added.txt')).toBe('the user’s own\n');
    expect(merged.stdout).toContain(`stash apply refs/factory/stash/1`);
    expect(id).not.toBe(session.id);
  });
});
