// Merging from a chosen base (a session merged before): `merge-tree --merge-base` on git 2.40+, a
// graft on older git (2.39 here). Both paths give the same merge; the one the installed git lacks is
// shown to be refused, not silently skipped.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gitHasMergeBaseOption, mergeTree } from '../../src/workspace/git/merge-tree.js';
import { git, makeTempDir } from '../support/git-fixtures.js';

let repo: string;
let squashed: string; // main after the first (squash) merge of the session
let sessionFirst: string; // the session commit that was squash-merged
let sessionNow: string; // the session's next commit, on top of it

beforeAll(() => {
  // Read-only for every test: made once.
  repo = path.join(makeTempDir('mlxf-merge-base-'), 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'f.txt'), '1\n2\n3\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  git(repo, 'checkout', '-q', '-b', 'session');
  fs.writeFileSync(path.join(repo, 'f.txt'), '1\ntwo\n3\n');
  git(repo, 'commit', '-qam', 'session step 1');
  sessionFirst = git(repo, 'rev-parse', 'HEAD').trim();
  fs.writeFileSync(path.join(repo, 'f.txt'), '1\nTWO\n3\n');
  git(repo, 'commit', '-qam', 'session step 2');
  sessionNow = git(repo, 'rev-parse', 'HEAD').trim();
  git(repo, 'checkout', '-q', 'main');
  git(repo, 'merge', '-q', '--squash', sessionFirst);
  git(repo, 'commit', '-qm', 'squash of step 1');
  squashed = git(repo, 'rev-parse', 'HEAD').trim();
});

const merged = (tree: string): string => git(repo, 'show', `${tree}:f.txt`);

describe('merge-tree from a chosen base', () => {
  it("with git's own merge base, the squashed lines conflict with the session's newer version of them", async () => {
    const result = await mergeTree(repo, squashed, sessionNow);
    expect(result.clean).toBe(false);
    expect(result.conflicts.map((c) => c.path)).toEqual(['f.txt']);
  });

  it('from the session commit merged last time, it is clean and takes the newer lines (the graft, for git < 2.40)', async () => {
    const objectsBefore = git(repo, 'count-objects', '-v');
    const result = await mergeTree(repo, squashed, sessionNow, { mergeBase: sessionFirst, mergeBaseVia: 'graft' });
    expect(result).toMatchObject({ clean: true, conflicts: [] });
    expect(merged(result.tree)).toBe('1\nTWO\n3\n');
    // No stand-in commit: only the merged tree and blob are new objects.
    const count = (text: string): number => Number(/^count: (\d+)/m.exec(text)?.[1]);
    expect(count(git(repo, 'count-objects', '-v')) - count(objectsBefore)).toBeLessThanOrEqual(2);
    // The graft was for that one command: git's own merge base is unchanged afterwards.
    expect(git(repo, 'merge-base', squashed, sessionNow).trim()).not.toBe(sessionFirst);
  });

  it('takes --merge-base where git has it (2.40+); older git refuses the option, which is why the graft exists', async () => {
    const run = (): ReturnType<typeof mergeTree> =>
      mergeTree(repo, squashed, sessionNow, { mergeBase: sessionFirst, mergeBaseVia: 'option' });
    if (await gitHasMergeBaseOption()) {
      const result = await run();
      expect(result.clean).toBe(true);
      expect(merged(result.tree)).toBe('1\nTWO\n3\n');
    } else {
      await expect(run()).rejects.toMatchObject({ code: 'GIT_FAILED', message: expect.stringContaining('merge-base') });
    }
    // Either way, the default picks the path that works here.
    const result = await mergeTree(repo, squashed, sessionNow, { mergeBase: sessionFirst });
    expect(merged(result.tree)).toBe('1\nTWO\n3\n');
  });
});
