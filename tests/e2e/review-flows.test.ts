import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, git, makeRepo, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import type { Script } from '../support/scripted-server/launch.js';
import { describeFindings, seriousViolations } from './support/axe-scan.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Talking back to a finished session (issue 12): the composer under the transcript sends a follow-up
 * instruction, the Coder continues in the same worktree as a new attempt series (its prompt holds the
 * original task and the instruction, checked at the scripted server), the series passes, and the
 * result merges. The scripted server plays the model.
 */
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
const SCRIPT: Script = {
  coder: [
    { content: `Here it is.\n\n${fence('main.py', 'print(42)\n')}` },
    { content: `Added the second line.\n\n${fence('main.py', 'print(42)\nprint(43)\n')}` },
  ],
  sheriff: [{ content: 'Prints 42.\n\nVERDICT: PASS' }, { content: 'Prints 42 and 43.\n\nVERDICT: PASS' }],
};

let ui: UiHarness;
let repo: string;
let sessionId = '';

async function waitUntilStopped(id: string, series: number): Promise<void> {
  const api = ui.api();
  await waitFor(
    `session ${id} to finish series ${series}`,
    async () => {
      const shown = await api.request('sessions.show', { id });
      return shown.ok && !shown.data.session.live && shown.data.session.state !== 'running' && shown.data.session.series === series;
    },
    { everyMs: 100 },
  );
}

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT });
  repo = makeRepo({ files: { 'README.md': '# demo\n' } });
  const started = await ui
    .api()
    .request('sessions.start', { description: 'Print the answer.\nIt is 42.', repo, check: 'python3 main.py', maxAttempts: 2 });
  if (!started.ok) throw new Error(started.error.message);
  sessionId = started.data.id;
  await waitUntilStopped(sessionId, 1);
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('talk back', () => {
  it('replies to a passed session → a new attempt series → pass → merge', async () => {
    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(sessionId)}`, { width: 1280, height: 860 });
    await page.locator('.finished-row').waitFor({ timeout: 60_000 });
    const composer = page.getByRole('form', { name: 'Reply to the Coder' });
    await composer.waitFor();
    const box = composer.getByLabel(/Reply to the Coder/);
    await box.fill('Also print 43 on a second line.');
    expect(describeFindings('reply composer (light)', await seriousViolations(page))).toBe('');
    await screenshot(page, 'talk-back-composer');
    await ui.model.clearRequests();
    await composer.getByRole('button', { name: 'Send' }).click();

    // The reply shows in the transcript; the composer goes while the series runs and comes back after.
    await page.getByText('You replied — attempt series 2, from step 1: Also print 43 on a second line.').waitFor({ timeout: 60_000 });
    await waitUntilStopped(sessionId, 2);
    await composer.waitFor({ timeout: 60_000 });
    expect(await box.inputValue()).toBe('');
    const shown = await ui.api().request('sessions.show', { id: sessionId });
    if (!shown.ok) throw new Error(shown.error.message);
    expect(shown.data.session).toMatchObject({ state: 'passed', series: 2, attempts: 1 });
    expect(shown.data.commits.map((c) => [c.step, c.attempt, c.passed])).toEqual([
      [1, 1, true],
      [2, 1, true],
    ]);
    expect(git(shown.data.session.worktree, 'show', 'HEAD:main.py')).toBe('print(42)\nprint(43)\n');

    // What the Coder was asked: the original task, the instruction, and a line for the first series.
    const coder = (await ui.model.requests()).filter((r) => r.persona === 'coder');
    expect(coder).toHaveLength(1);
    const prompt = coder[0]?.messages.map((m) => m.content).join('\n') ?? '';
    expect(prompt).toContain('Print the answer.');
    expect(prompt).toContain('Also print 43 on a second line.');
    expect(prompt).toMatch(/Earlier series 1 \(the task\): 1 attempt\(s\), passed/);
    await screenshot(page, 'talk-back-after-series-2');

    // Merge the result.
    await page.getByRole('tab', { name: /Changes/ }).click();
    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Squash and merge' }).click();
    await expect.poll(() => page.locator('[data-outcome]').getAttribute('class'), { timeout: 60_000 }).toContain('success');
    expect(git(repo, 'show', 'main:main.py')).toBe('print(42)\nprint(43)\n');
    expect(errors).toEqual([]);
  });
});

describe('rollback is a state', () => {
  it('rollback → the session says "not checked" and merging warns → restore → rollback again → continue from here → pass', async () => {
    await ui.model.setScript({
      coder: [
        { content: `First try.\n\n${fence('main.py', 'import sys\nsys.exit(1)\n')}` },
        { content: `Fixed.\n\n${fence('main.py', 'print(42)\n')}` },
        { content: `From step 1 again.\n\n${fence('main.py', 'print(42)  # again\n')}` },
      ],
      sheriff: [
        { content: 'It exits 1.\n\nVERDICT: FAIL' },
        { content: 'Prints 42.\n\nVERDICT: PASS' },
        { content: 'Prints 42.\n\nVERDICT: PASS' },
      ],
    });
    const repo2 = makeRepo({ files: { 'README.md': '# two\n' } });
    const started = await ui
      .api()
      .request('sessions.start', { description: 'Print 42 from main.py.', repo: repo2, check: 'python3 main.py', maxAttempts: 2 });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.data.id;
    await waitUntilStopped(id, 1);

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 860 });
    await page.locator('.timeline-item[data-step="2"]').waitFor({ timeout: 60_000 });
    await page.locator('.timeline-item[data-step="1"]').getByRole('button', { name: 'Roll back to here' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Roll back' }).click();

    // Rolled back to a step whose check failed: the session says so, and the merge dialog warns.
    await page.locator('[data-rolled-back="1"]').waitFor({ timeout: 60_000 });
    await page.locator('.timeline-item.dropped[data-dropped-step="2"]').waitFor();
    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent()).toContain('Warning: this session was rolled back to step 1 and not checked since');
    expect(describeFindings('rolled back + merge dialog (light)', await seriousViolations(page))).toBe('');
    await screenshot(page, 'rollback-merge-warning');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('alertdialog').count(), { timeout: 60_000 }).toBe(0);
    // The CLI's merge warns too.
    const cli = await runCli(['sessions', 'merge', id, '--dry-run'], { cwd: repo2, home: ui.home });
    expect(cli.stderr).toContain(`warning: session ${id} was rolled back to step 1 and not checked since`);
    await screenshot(page, 'rollback-timeline');

    // Restore: the branch rolls forward to the step the check passed on; the warning goes.
    await page.locator('.timeline-item.dropped[data-dropped-step="2"]').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Restore' }).click();
    await page.locator('.timeline-item[data-step="2"] .timeline-head').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('[data-rolled-back]').count(), { timeout: 60_000 }).toBe(0);
    const restored = await ui.api().request('sessions.show', { id });
    if (!restored.ok) throw new Error(restored.error.message);
    expect(restored.data.session.rolledBackTo).toBeNull();
    expect(git(restored.data.session.worktree, 'show', 'HEAD:main.py')).toBe('print(42)\n');

    // Roll back again, then "Continue from here": a new attempt series from step 1.
    await page.locator('.timeline-item[data-step="1"]').getByRole('button', { name: 'Roll back to here' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Roll back' }).click();
    await page.locator('[data-rolled-back="1"]').waitFor({ timeout: 60_000 });
    await ui.model.clearRequests();
    await page.getByRole('button', { name: 'Continue from here' }).click();
    await waitUntilStopped(id, 2);
    await expect.poll(() => page.locator('[data-rolled-back]').count(), { timeout: 60_000 }).toBe(0);
    const after = await ui.api().request('sessions.show', { id });
    if (!after.ok) throw new Error(after.error.message);
    expect(after.data.session).toMatchObject({ state: 'passed', series: 2, rolledBackTo: null });
    expect(after.data.commits.map((c) => c.step)).toEqual([1, 3]);
    const prompt =
      (await ui.model.requests())
        .find((r) => r.persona === 'coder')
        ?.messages.map((m) => m.content)
        .join('\n') ?? '';
    expect(prompt).toContain('Continue the task from this point (step 1');
    expect(prompt).toContain('sys.exit(1)'); // the file as step 1 left it
    expect(errors).toEqual([]);
  });
});

describe('comments on diff lines', () => {
  it('two line comments → Request changes → the Coder prompt holds both → pass → the comments show resolved', async () => {
    const buggy = 'def add(a, b):\n    return a - b\n\n\nprint(add(2, 2))\n';
    await ui.model.setScript({
      coder: [
        { content: `Done.\n\n${fence('calc.py', buggy)}` },
        { content: `Fixed both.\n\n${fence('calc.py', 'def add(a, b):\n    return a + b\n\n\nprint(add(2, 2))\nprint(add(3, 4))\n')}` },
      ],
      sheriff: [{ content: 'Prints something.\n\nVERDICT: PASS' }, { content: 'Adds now.\n\nVERDICT: PASS' }],
    });
    const repo3 = makeRepo({ files: { 'README.md': '# three\n' } });
    const started = await ui.api().request('sessions.start', {
      description: 'Write calc.py with add(a, b) and print add(2, 2).',
      repo: repo3,
      check: 'python3 calc.py',
      maxAttempts: 2,
    });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.data.id;
    await waitUntilStopped(id, 1);

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 860 });
    await page.locator('.monaco-host[data-diff-state="ready"]').waitFor({ timeout: 60_000 });
    const modifiedLine = (text: string) => page.locator('.editor.modified .view-line', { hasText: text }).first();
    const addComment = async (text: string, lineText: string, extend: boolean, expectLabel: string): Promise<void> => {
      await modifiedLine(lineText).click();
      if (extend) await page.keyboard.press('Shift+ArrowDown');
      const button = page.getByRole('button', { name: expectLabel });
      await button.click();
      const form = page.getByRole('form', { name: 'New review comment' });
      await form.getByRole('textbox').fill(text);
      await form.getByRole('button', { name: 'Add comment' }).click();
      await expect.poll(() => form.count(), { timeout: 60_000 }).toBe(0);
    };
    await addComment('This subtracts: it should add.', 'return a - b', false, 'Comment on line 2…');
    await addComment('Also print add(3, 4) after this.', 'print(add(2, 2))', false, 'Comment on line 5…');
    await expect.poll(() => page.locator('.comment-item[data-comment-state="open"]').count(), { timeout: 60_000 }).toBe(2);
    await expect.poll(() => page.locator('.review-comment-line').count()).toBeGreaterThanOrEqual(2);
    expect(describeFindings('review comments (light)', await seriousViolations(page))).toBe('');
    await screenshot(page, 'review-comments-open');

    await ui.model.clearRequests();
    await page.getByRole('button', { name: 'Request changes (2)' }).click();
    await waitUntilStopped(id, 2);
    await expect.poll(() => page.locator('.comment-item[data-comment-state="resolved"]').count(), { timeout: 60_000 }).toBe(2);

    // The Coder's prompt: both comments, each with its file, lines, the quoted code and the text.
    const prompt =
      (await ui.model.requests())
        .find((r) => r.persona === 'coder')
        ?.messages.map((m) => m.content)
        .join('\n') ?? '';
    expect(prompt).toContain('The reviewer requested changes.');
    expect(prompt).toMatch(/1\. calc\.py, line 2:\n```+\n {4}return a - b\n```+\nReview comment: This subtracts: it should add\./);
    expect(prompt).toMatch(/2\. calc\.py, line 5:\n```+\nprint\(add\(2, 2\)\)\n```+\nReview comment: Also print add\(3, 4\) after this\./);
    const after = await ui.api().request('sessions.show', { id });
    if (!after.ok) throw new Error(after.error.message);
    expect(after.data.session).toMatchObject({ state: 'passed', series: 2 });
    expect(after.data.comments.map((c) => [c.file, c.startLine, c.endLine, c.state, c.series])).toEqual([
      ['calc.py', 2, 2, 'resolved', 2],
      ['calc.py', 5, 5, 'resolved', 2],
    ]);
    expect(git(after.data.session.worktree, 'show', 'HEAD:calc.py')).toContain('return a + b');
    await screenshot(page, 'review-comments-resolved');
    expect(errors).toEqual([]);
  });
});

describe('live follow of sessions run elsewhere', () => {
  it('a session the CLI runs appears in the open UI, streams its transcript live and ends there, without a reload', async () => {
    const prose = 'Writing the program that prints seven, one careful token at a time. '.repeat(3);
    await ui.model.setScript({
      coder: [{ content: `${prose}\n\n${fence('main.py', 'print(7)\n')}`, tokensPerSecond: 25 }],
      sheriff: [{ content: 'Prints 7.\n\nVERDICT: PASS' }],
    });
    const repo4 = makeRepo({ files: { 'README.md': '# four\n' } });
    const { page, errors } = await ui.open('sessions', { width: 1280, height: 860 });
    await page.locator('.session-row').first().waitFor({ timeout: 60_000 });
    const rowsBefore = await page.locator('.session-row').count();

    let cliDone = false;
    const cli = runCli(['run', 'Print seven from main.py.', '--check', 'python3 main.py', '--server-url', ui.model.url, '--json'], {
      cwd: repo4,
      home: ui.home,
    }).then((r) => {
      cliDone = true;
      return r;
    });
    // The new row shows up while the CLI still runs, and opening it shows the Coder's reply arriving.
    const row = page.locator('.session-row', { hasText: 'Print seven from main.py.' });
    await row.waitFor({ timeout: 60_000 });
    expect(cliDone).toBe(false);
    await expect.poll(() => page.locator('.session-row').count(), { timeout: 60_000 }).toBe(rowsBefore + 1);
    await row.click();
    await page.getByText('one careful token at a time', { exact: false }).first().waitFor({ timeout: 60_000 });
    expect(cliDone).toBe(false);
    await screenshot(page, 'live-follow-cli-session');

    const result = await cli;
    expect(result.exitCode, result.stderr).toBe(0);
    await page.locator('.finished-row').waitFor({ timeout: 60_000 });
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain('Passed');
    expect(errors).toEqual([]);
  });
});

describe('update from main', () => {
  it('merges the moved base branch into the session branch from the merge panel', async () => {
    await ui.model.setScript({
      coder: [{ content: `Done.\n\n${fence('main.py', 'print(5)\n')}` }],
      sheriff: [{ content: 'Prints 5.\n\nVERDICT: PASS' }],
    });
    const repo5 = makeRepo({ files: { 'README.md': '# five\n' } });
    const started = await ui
      .api()
      .request('sessions.start', { description: 'Print 5 from main.py.', repo: repo5, check: 'python3 main.py', maxAttempts: 1 });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.data.id;
    await waitUntilStopped(id, 1);
    // main moves on with a file the session does not touch (committed in the user's checkout).
    writeFiles(repo5, { 'CHANGELOG.md': 'main moved\n' });
    const tip = commitAll(repo5, 'main moves on');

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 860 });
    await page.locator('[data-merge-headline]').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Update from main' }).click();
    await page
      .getByText(/now has main at .* merged in \(1 file\(s\) came in\)/)
      .first()
      .waitFor({ timeout: 60_000 });
    const shown = await ui.api().request('sessions.show', { id });
    if (!shown.ok) throw new Error(shown.error.message);
    expect(shown.data.session.baseCommit).toBe(tip);
    expect(git(shown.data.session.worktree, 'show', 'HEAD:CHANGELOG.md')).toBe('main moved\n');
    // The diff stays the session's own work (against the new base), and it still merges cleanly.
    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('Merges cleanly: 1 file');
    await screenshot(page, 'update-from-main');
    expect(errors).toEqual([]);
  });
});

describe('conflict after main moved', () => {
  it('names the conflict → Ask the Coder to resolve → the check passes → merges cleanly into main', async () => {
    await ui.model.setScript({
      coder: [
        { content: `Done.\n\n${fence('greet.py', "print('hello from the session')\n")}` },
        { content: `Both kept.\n\n${fence('greet.py', "print('hello from main')\nprint('hello from the session')\n")}` },
      ],
      sheriff: [{ content: 'Greets.\n\nVERDICT: PASS' }, { content: 'Both greetings.\n\nVERDICT: PASS' }],
    });
    const repo6 = makeRepo({ files: { 'greet.py': "print('hello')\n" } });
    const started = await ui.api().request('sessions.start', {
      description: 'Make greet.py greet from the session.',
      repo: repo6,
      check: 'python3 greet.py',
      maxAttempts: 1,
    });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.data.id;
    await waitUntilStopped(id, 1);
    writeFiles(repo6, { 'greet.py': "print('hello from main')\n" });
    commitAll(repo6, 'main greets too');

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 860 });
    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('would conflict');
    await expect.poll(() => page.locator('[data-conflicts]').textContent()).toContain('greet.py');
    expect(describeFindings('conflict (light)', await seriousViolations(page))).toBe('');
    await screenshot(page, 'conflict-ask-coder');
    await ui.model.clearRequests();
    await page.getByRole('button', { name: 'Ask the Coder to resolve' }).click();
    await waitUntilStopped(id, 2);
    const user =
      (await ui.model.requests())
        .find((r) => r.persona === 'coder')
        ?.messages.filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join('\n') ?? '';
    expect(user).toContain("greet.py — this session's version (what the worktree has now):");
    expect(user).toContain("greet.py — main's version:\n```\nprint('hello from main')\n```");
    expect(user).not.toMatch(/^(<{7}|={7}|>{7})( |$)/m);
    const shown = await ui.api().request('sessions.show', { id });
    if (!shown.ok) throw new Error(shown.error.message);
    expect(shown.data.session).toMatchObject({ state: 'passed', series: 2 });

    await page.getByRole('tab', { name: /Changes/ }).click();
    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Squash and merge' }).click();
    await expect.poll(() => page.locator('[data-outcome]').getAttribute('class'), { timeout: 60_000 }).toContain('success');
    expect(git(repo6, 'show', 'main:greet.py')).toBe("print('hello from main')\nprint('hello from the session')\n");
    expect(errors).toEqual([]);
  });
});
