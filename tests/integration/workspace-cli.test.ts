// `mlx-factory sessions …` end to end: list, show, diff, merge (dry run, refusal, merge), rollback,
// discard, with their exit codes (0 done, 1 refused, 2 bad input) and messages.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { appPaths } from '../../src/home/app-home.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import type { CliOutput } from '../../src/cli/cli-output.js';
import { runCli } from '../support/run-cli.js';
import { commitAll, git, makeRepo, makeTempDir, removeTempDirs, revParse, snapshotCheckout, writeFiles } from '../support/git-fixtures.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';

afterAll(removeTempDirs);
const savedHome = process.env['MLX_FACTORY_HOME'];
afterEach(() => {
  if (savedHome === undefined) delete process.env['MLX_FACTORY_HOME'];
  else process.env['MLX_FACTORY_HOME'] = savedHome;
});

async function cli(home: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  process.env['MLX_FACTORY_HOME'] = home;
  let out = '';
  let err = '';
  const output: CliOutput = { out: (t) => (out += t), err: (t) => (err += t), isTty: false };
  const code = await main(['sessions', ...args], output, home);
  return { code, out, err };
}

async function sessionInRepo() {
  const repo = makeRepo({ files: { 'app.py': 'print(0)\n', 'README.md': 'r\n' } });
  const home = makeTempDir('mlxf-home-');
  const session = await createSessionFixture({ repo, home, name: 'Fix the app' });
  await addStep(session, { files: { 'app.py': 'print(1)\n' } });
  await addStep(session, { files: { 'util.py': 'X = 1\n' } });
  finishSession(session);
  return { repo, home, session };
}

describe('mlx-factory sessions', () => {
  it('lists, shows and diffs sessions', async () => {
    const { home, session } = await sessionInRepo();
    const list = await cli(home, 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/ID\s+STATE\s+ATTEMPTS\s+STEPS\s+BRANCH\s+TASK/);
    expect(list.out).toContain(`${session.id}  passed`);
    const json = await cli(home, 'list', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ sessions: [{ id: session.id, state: 'passed', steps: 2, branch: session.branch }] });

    const show = await cli(home, 'show', session.id);
    expect(show.out).toContain('Fix the app');
    expect(show.out).toMatch(/1 {2}attempt 1 {2}[0-9a-f]{8} {2}app\.py/);
    expect(show.out).toContain('base      main @');

    const diff = await cli(home, 'diff', session.id);
    expect(diff.code).toBe(0);
    expect(diff.out).toContain('M  app.py  (+1 -1)');
    expect(diff.out).toContain('A  util.py  (+1 -0)');
    expect(diff.out).toContain('+print(1)');
    const step = await cli(home, 'diff', session.id, '--step', '2', '--files');
    expect(step.out).toContain('A  util.py');
    expect(step.out).not.toContain('app.py');
    expect(step.out).not.toContain('@@');
  });

  it('merges with a dry run first, refuses with exit 1 when the checkout is in the way, and merges', async () => {
    const { repo, home, session } = await sessionInRepo();
    writeFiles(repo, { 'app.py': 'print("local edit")\n' });
    const before = snapshotCheckout(repo);

    const dry = await cli(home, 'merge', session.id, '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.out).toContain('app.py');
    const refused = await cli(home, 'merge', session.id);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('local changes there');
    expect(refused.err).toContain('app.py');
    expect(snapshotCheckout(repo)).toEqual(before);

    git(repo, 'checkout', '--', 'app.py');
    const ok = await cli(home, 'merge', session.id, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ baseBranch: 'main', checkoutUpdated: true, squash: true });
    expect(fs.readFileSync(path.join(repo, 'app.py'), 'utf8')).toBe('print(1)\n');
    const mainAfter = git(repo, 'rev-parse', 'main').trim();
    const logAfter = fs.readFileSync(sessionFiles(appPaths(home).sessions, session.id).log, 'utf8');
    // Merging again with nothing new is git's "Already up to date": exit 0, and nothing changes.
    const again = await cli(home, 'merge', session.id);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^Already merged: session \S+ is in main \(/);
    expect(again.out).toContain(mainAfter.slice(0, 8));
    const againJson = await cli(home, 'merge', session.id, '--json');
    expect(againJson.code).toBe(0);
    expect(JSON.parse(againJson.out)).toMatchObject({ alreadyMerged: true, mergedCommit: mainAfter, baseBranch: 'main', files: [] });
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(mainAfter);
    expect(fs.readFileSync(sessionFiles(appPaths(home).sessions, session.id).log, 'utf8')).toBe(logAfter);
  });

  it('names conflicts (exit 1), rolls back and discards', async () => {
    const { repo, home, session } = await sessionInRepo();
    writeFiles(repo, { 'app.py': 'print("main moved")\n' });
    commitAll(repo, 'main moves');
    const conflict = await cli(home, 'merge', session.id);
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain('would conflict in 1 file(s)');
    expect(conflict.err).toContain('app.py');

    const back = await cli(home, 'rollback', session.id, '1');
    expect(back.code).toBe(0);
    expect(back.out).toContain('back at step 1');
    expect(back.out).toContain(`refs/factory/${session.id}/rollback/1`);
    expect(revParse(repo, session.branch)).toBe(session.commits[0]);

    const discard = await cli(home, 'discard', session.id);
    expect(discard.code).toBe(0);
    expect(discard.out).toContain(`refs/factory/${session.id}/archive`);
    expect(fs.existsSync(session.worktree)).toBe(false);
  });

  it('answers bad input with exit 2 and a message', async () => {
    const { home, session } = await sessionInRepo();
    expect(await cli(home, 'show', 'nope')).toMatchObject({ code: 2, err: expect.stringContaining('No session nope') });
    expect(await cli(home, 'rollback', session.id, 'x')).toMatchObject({ code: 2, err: expect.stringContaining('step number') });
    expect(await cli(home, 'rollback', session.id, '7')).toMatchObject({ code: 2, err: expect.stringContaining('has no step 7') });
    expect(await cli(home, 'merge', session.id, '--squash', '--no-squash')).toMatchObject({ code: 2 });
    expect(await cli(home, 'merge', session.id, '--into', 'nowhere')).toMatchObject({
      code: 2,
      err: expect.stringContaining('"nowhere" does not exist'),
    });
    expect(await cli(home, 'frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('Unknown sessions command') });
    expect(await cli(home, 'diff')).toMatchObject({ code: 2, err: expect.stringContaining('needs a session ID') });
  });

  it('works as a real process (bin/mlx-factory.js)', async () => {
    const { home, session } = await sessionInRepo();
    const result = await runCli(['sessions', 'list', '--json'], { cwd: home, home });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ sessions: [{ id: session.id }] });
  });
});
