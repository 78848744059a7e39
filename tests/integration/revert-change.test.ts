// Per-file and per-hunk review (#21 part 3) on real repositories and real session worktrees: a revert
// is a step (commit, log event, projection) that rolls back like any; Viewed marks follow the file's
// blob; and every hostile request — a path out of the worktree, a file swapped for a link, a hunk that
// no longer applies — is a typed refusal that writes nothing (branch, worktree and log unchanged).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFactoryError } from '../../src/errors/factory-error.js';
import { fileHunks, markViewed, revertChange } from '../../src/sessions/revert-change.js';
import { sessionFilePair } from '../../src/sessions/review-session.js';
import { rollbackSession } from '../../src/sessions/rollback-session.js';
import { loadSession } from '../../src/sessions/session-store.js';
import { listChangedFiles } from '../../src/workspace/git/diff-file-list.js';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession, type SessionFixture } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

const BASE = Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join('');
const HEAD = BASE.replace('line 2\n', 'line 2 changed\n').replace('line 10\n', 'line 10 changed\nline 10b added\n');

async function session(): Promise<SessionFixture> {
  const repo = makeRepo({ files: { 'app.py': BASE, 'keep.txt': 'keep\n', 'link-target.txt': 'target\n' } });
  const home = path.join(makeTempDir('mlxf-revert-home-'), 'home');
  const s = await createSessionFixture({ repo, home, name: 'Two hunks' });
  await addStep(s, { files: { 'app.py': HEAD, 'new.txt': 'new\n' } });
  finishSession(s);
  return s;
}

async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    if (isFactoryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

/** Branch, worktree status and log length: what "nothing written" means. */
function footprint(s: SessionFixture): string {
  return [
    git(s.repo, 'rev-parse', s.branch).trim(),
    git(s.worktree, 'status', '--porcelain', '--untracked-files=all'),
    fs.readFileSync(path.join(s.paths.sessions, s.id, 'events.jsonl'), 'utf8').length,
  ].join('|');
}

async function hunksOf(s: SessionFixture, file: string) {
  const head = git(s.repo, 'rev-parse', s.branch).trim();
  const changed = (await listChangedFiles(s.repo, s.workspace.baseCommit, head)).find((f) => f.path === file);
  if (changed === undefined) throw new Error(`${file} is not changed`);
  return fileHunks(s.repo, changed);
}

describe('revert a hunk or a file of a session', () => {
  it('reverting one hunk is a new step; the diff keeps the other hunk; rolling back restores it', async () => {
    const s = await session();
    const hunks = await hunksOf(s, 'app.py');
    expect(hunks).toEqual([
      { oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 },
      { oldStart: 10, oldLines: 1, newStart: 10, newLines: 2 },
    ]);
    const pair = await sessionFilePair(s.paths, s.id, 'app.py');
    expect(pair.hunks).toEqual(hunks);

    const result = await revertChange(s.paths, s.id, { path: 'app.py', hunk: hunks[1] });
    expect(result.label).toBe('Reverted app.py, lines 10–11');
    expect(result.step).toBe(2);
    expect(git(s.repo, 'log', '-1', '--format=%s%n%(trailers:key=Factory-Review,valueonly)', s.branch).trim()).toBe(
      'Reverted app.py, lines 10–11\nrevert',
    );
    const reverted = BASE.replace('line 2\n', 'line 2 changed\n');
    expect(fs.readFileSync(path.join(s.worktree, 'app.py'), 'utf8')).toBe(reverted);
    expect(git(s.repo, 'show', `${s.branch}:app.py`)).toBe(reverted);
    expect(await hunksOf(s, 'app.py')).toEqual([{ oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 }]);
    const record = loadSession(s.paths, s.id);
    expect(record.currentSteps).toEqual([1, 2]);
    expect(record.steps.at(-1)?.label).toBe('Reverted app.py, lines 10–11');
    expect(record.headCommit).toBe(result.sha);

    await rollbackSession(s.paths, s.id, 1);
    expect(fs.readFileSync(path.join(s.worktree, 'app.py'), 'utf8')).toBe(HEAD);
    expect(loadSession(s.paths, s.id).currentSteps).toEqual([1]);
  });

  it('reverting a whole file puts the base back (an added file goes); CRLF and a missing final newline survive a hunk revert', async () => {
    const s = await session();
    await revertChange(s.paths, s.id, { path: 'new.txt' });
    expect(fs.existsSync(path.join(s.worktree, 'new.txt'))).toBe(false);
    await revertChange(s.paths, s.id, { path: 'app.py' });
    expect(fs.readFileSync(path.join(s.worktree, 'app.py'), 'utf8')).toBe(BASE);
    expect(git(s.worktree, 'status', '--porcelain')).toBe('');
    expect(loadSession(s.paths, s.id).steps.map((x) => x.label)).toEqual([null, 'Reverted new.txt', 'Reverted app.py']);

    const repo = makeRepo({ files: { 'w.txt': 'a\r\nb\r\nc' } });
    const home = path.join(makeTempDir('mlxf-revert-home-'), 'home');
    const t = await createSessionFixture({ repo, home });
    await addStep(t, { files: { 'w.txt': 'A\r\nb\r\nc changed' } });
    finishSession(t);
    const [first, second] = await hunksOf(t, 'w.txt');
    expect(second).toBeDefined();
    await revertChange(t.paths, t.id, { path: 'w.txt', hunk: first });
    expect(fs.readFileSync(path.join(t.worktree, 'w.txt'), 'utf8')).toBe('a\r\nb\r\nc changed');
    await revertChange(t.paths, t.id, { path: 'w.txt', hunk: (await hunksOf(t, 'w.txt'))[0] });
    expect(fs.readFileSync(path.join(t.worktree, 'w.txt'), 'utf8')).toBe('a\r\nb\r\nc');
  });

  it('refuses a path outside the worktree, writing nothing', async () => {
    const s = await session();
    const before = footprint(s);
    for (const bad of ['../outside.txt', '/etc/passwd', 'a/../../x', '.git/config']) {
      const refused = await refusal(revertChange(s.paths, s.id, { path: bad }));
      expect(refused.code, bad).toBe('PATH_OUTSIDE_WORKTREE');
    }
    expect(footprint(s)).toBe(before);
  });

  it('refuses a file a check swapped for a symbolic link, never writing through it', async () => {
    const s = await session();
    const outside = path.join(makeTempDir('mlxf-revert-outside-'), 'victim.txt');
    fs.writeFileSync(outside, 'the user’s file\n');
    fs.rmSync(path.join(s.worktree, 'app.py'));
    fs.symlinkSync(outside, path.join(s.worktree, 'app.py'));
    const before = footprint(s);
    const hunks = [{ oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 }];
    const refused = await refusal(revertChange(s.paths, s.id, { path: 'app.py', hunk: hunks[0] }));
    expect(refused.code).toBe('PATH_REFUSED');
    expect(refused.message).toMatch(/uncommitted changes in the session's worktree.*nothing was written/);
    expect((await refusal(revertChange(s.paths, s.id, { path: 'app.py' }))).code).toBe('PATH_REFUSED');
    expect(fs.readFileSync(outside, 'utf8')).toBe('the user’s file\n');
    expect(fs.lstatSync(path.join(s.worktree, 'app.py')).isSymbolicLink()).toBe(true);
    expect(footprint(s)).toBe(before);
  });

  it('refuses a hunk revert of a file the session turned into a symbolic link (the whole file still reverts)', async () => {
    const s = await session();
    fs.rmSync(path.join(s.worktree, 'keep.txt'));
    fs.symlinkSync('link-target.txt', path.join(s.worktree, 'keep.txt'));
    git(s.worktree, 'add', '-A', 'keep.txt');
    await addStep(s, { files: { 'other.txt': 'x\n' } }); // commits keep.txt (staged) with other.txt
    expect(git(s.repo, 'ls-tree', s.branch, 'keep.txt')).toMatch(/^120000/);
    const before = footprint(s);
    const refused = await refusal(
      revertChange(s.paths, s.id, { path: 'keep.txt', hunk: { oldStart: 1, oldLines: 1, newStart: 1, newLines: 1 } }),
    );
    expect(refused.code).toBe('HUNK_NOT_APPLICABLE');
    expect(refused.message).toContain('symbolic link');
    expect(footprint(s)).toBe(before);
    await revertChange(s.paths, s.id, { path: 'keep.txt' });
    expect(fs.lstatSync(path.join(s.worktree, 'keep.txt')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(s.worktree, 'keep.txt'), 'utf8')).toBe('keep\n');
  });

  it('refuses a hunk that no longer applies (the file changed since it was shown) and a file the session did not change', async () => {
    const s = await session();
    const [first] = await hunksOf(s, 'app.py');
    await addStep(s, { files: { 'app.py': `inserted at the top\n${HEAD}` } });
    const before = footprint(s);
    const stale = await refusal(revertChange(s.paths, s.id, { path: 'app.py', hunk: { ...first!, newStart: 2 } }));
    expect(stale.code).toBe('HUNK_NOT_APPLICABLE');
    expect(stale.message).toContain('no longer have that hunk');
    const invented = await refusal(
      revertChange(s.paths, s.id, { path: 'app.py', hunk: { oldStart: 5, oldLines: 1, newStart: 6, newLines: 1 } }),
    );
    expect(invented.code).toBe('HUNK_NOT_APPLICABLE');
    const unchanged = await refusal(revertChange(s.paths, s.id, { path: 'keep.txt' }));
    expect(unchanged.code).toBe('HUNK_NOT_APPLICABLE');
    expect(footprint(s)).toBe(before);
  });

  it('Viewed marks are kept in the log and stop counting when the file changes again', async () => {
    const s = await session();
    const marks = await markViewed(s.paths, s.id, 'app.py', true);
    const blobNow = git(s.repo, 'rev-parse', `${s.branch}:app.py`).trim();
    expect(marks).toEqual({ 'app.py': blobNow });
    await markViewed(s.paths, s.id, 'new.txt', true);
    await addStep(s, { files: { 'app.py': `${HEAD}more\n` } });
    const record = loadSession(s.paths, s.id);
    const current = git(s.repo, 'rev-parse', `${s.branch}:app.py`).trim();
    expect(record.viewed['app.py']).toBe(blobNow);
    expect(record.viewed['app.py']).not.toBe(current); // no longer counts
    expect(record.viewed['new.txt']).toBe(git(s.repo, 'rev-parse', `${s.branch}:new.txt`).trim()); // still counts
    expect(await markViewed(s.paths, s.id, 'new.txt', false)).toEqual({ 'app.py': blobNow });
  });
});
