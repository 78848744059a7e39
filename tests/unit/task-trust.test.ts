// A repository's task file is repository content (#19): untrusted, its limits may only tighten the
// user's own. prepareSession validates and plans without creating anything, so the plan's limits
// show what a `run -t` or `eval` of that file would run under.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trustContent, trustFileBeside } from '../../src/config/project-trust.js';
import { appPaths } from '../../src/home/app-home.js';
import { prepareSession } from '../../src/sessions/start-session.js';
import { makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';

afterAll(removeTempDirs);

const GREEDY = 'description: print hello\nmax_attempts: 100\ntimeout: 86400\n';

describe('task files follow factory.yaml’s trust rule', () => {
  it('a repository’s task file cannot raise max_attempts or timeout until the user trusts it', async () => {
    const home = makeTempDir('task-trust-home-');
    const repo = makeRepo({ files: { 'task.yaml': GREEDY, 'modest.yaml': 'description: x\nmax_attempts: 2\ntimeout: 5\n' } });

    const untrusted = await prepareSession({ taskFile: 'task.yaml', cwd: repo, home });
    expect(untrusted.plan.limits.maxAttempts).toBe(5);
    expect(untrusted.plan.limits.executionTimeoutMs).toBe(60_000);
    expect(untrusted.configNotices).toContain(
      `${path.join(repo, 'task.yaml')} is not trusted, so max_attempts: 100, timeout: 86400 were ignored (a repository's task file may only tighten your limits); trust its current content with \`mlx-factory trust ${path.join(repo, 'task.yaml')}\`.`,
    );

    // Tightening is always fine.
    const modest = await prepareSession({ taskFile: 'modest.yaml', cwd: repo, home });
    expect(modest.plan.limits).toMatchObject({ maxAttempts: 2, executionTimeoutMs: 5_000 });
    expect(modest.configNotices).toEqual([]);

    // The user's own flags are the user's.
    const flags = await prepareSession({ taskFile: 'task.yaml', cwd: repo, home, maxAttempts: 9, timeoutSec: 120 });
    expect(flags.plan.limits).toMatchObject({ maxAttempts: 9, executionTimeoutMs: 120_000 });

    // Trusted as it is now, it is honoured; changed, it is untrusted again.
    const file = path.join(repo, 'task.yaml');
    trustContent(trustFileBeside(appPaths(home).userConfig), file, fs.readFileSync(file));
    const trusted = await prepareSession({ taskFile: 'task.yaml', cwd: repo, home });
    expect(trusted.plan.limits).toMatchObject({ maxAttempts: 100, executionTimeoutMs: 86_400_000 });
    fs.appendFileSync(file, '# changed\n');
    expect((await prepareSession({ taskFile: 'task.yaml', cwd: repo, home })).plan.limits.maxAttempts).toBe(5);
  });

  it('a task file outside any repository is the user’s own', async () => {
    const home = makeTempDir('task-trust-home-');
    const dir = makeTempDir('task-trust-plain-');
    fs.writeFileSync(path.join(dir, 'task.yaml'), GREEDY);
    const prepared = await prepareSession({ taskFile: path.join(dir, 'task.yaml'), cwd: dir, home, repo: makeRepo() });
    expect(prepared.plan.limits).toMatchObject({ maxAttempts: 100, executionTimeoutMs: 86_400_000 });
  });
});
