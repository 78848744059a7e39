import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * One truth per session (issue 15): every surface reads one projection of the session's log, so at
 * each step of the paths users saw drift on, the header, the list card, the popover, the timeline,
 * the merge bar and `sessions list/show --json` (the real CLI, same home) say the same thing — and
 * the right thing. The scripted server plays the model.
 */
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
/** How long a surface may take to show a change (the box may be loaded); a test's whole run gets TEST_MS. */
const LONG = 60_000;
const TEST_MS = 240_000;

let ui: UiHarness;
/** The model server started after the harness's one was killed (path 4), on the same port. */
let revived: ScriptedServer | null = null;

interface CliRow {
  id: string;
  state: string;
  rolledBackTo: number | null;
  series: number;
  attempts: number;
  totalAttempts: number;
  maxAttempts: number;
  merged: boolean;
  cleanedUp: boolean;
  turn: unknown;
  tokens: { prompt: number; completion: number };
  totalTokens: { prompt: number; completion: number };
  worktree: string;
}

async function cli(args: readonly string[]): Promise<unknown> {
  const run = await runCli([...args, '--json'], { cwd: ui.tmp, home: ui.home });
  if (run.exitCode !== 0) throw new Error(`mlx-factory ${args.join(' ')} exited ${run.exitCode}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
}

/** The session as `sessions list --json` and `sessions show --json` print it. */
async function cliViews(id: string): Promise<{ list: CliRow; show: CliRow }> {
  const listed = (await cli(['sessions', 'list'])) as { sessions: CliRow[] };
  const list = listed.sessions.find((s) => s.id === id);
  if (list === undefined) throw new Error(`sessions list --json has no ${id}`);
  const show = (await cli(['sessions', 'show', id])) as CliRow;
  return { list, show };
}

async function waitUntilEnded(id: string, series: number): Promise<void> {
  const api = ui.api();
  for (let i = 0; i < 600; i++) {
    const shown = await api.request('sessions.show', { id });
    if (shown.ok && !shown.data.session.live && shown.data.session.state !== 'running' && shown.data.session.series === series) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`session ${id} did not end series ${series}`);
}

async function startSession(description: string, files: Record<string, string>, maxAttempts: number): Promise<string> {
  const repo = makeRepo({ files });
  const started = await ui.api().request('sessions.start', { description, repo, check: 'python3 main.py', maxAttempts });
  if (!started.ok) throw new Error(started.error.message);
  await waitUntilEnded(started.data.id, 1);
  return started.data.id;
}

const headerBadge = (page: Page) => page.locator('.session-header .badge[data-label]').first();
const listBadge = (page: Page, id: string) => page.locator(`.session-row[data-session="${id}"] .badge[data-label]`).first();
const popoverBadge = (page: Page, id: string) => page.locator(`.pop-session[data-session="${id}"] .badge[data-label]`).first();
const label = async (locator: ReturnType<typeof headerBadge>): Promise<string | null> =>
  (await locator.count()) === 0 ? null : locator.getAttribute('data-label');

interface Surfaces {
  /** The dashboard on the session: its header, and the transcript or the Changes tab (timeline, merge bar). */
  readonly page: Page;
  /** The dashboard on the session list (the Changes tab leaves no room for the list beside it). */
  readonly list: Page;
  readonly popover: Page;
  readonly errors: string[];
}

/** Three windows of the same host, each live over its events: the session, the session list, the popover. */
async function openSurfaces(id: string, tab: 'transcript' | 'diff'): Promise<Surfaces> {
  const session = await ui.open(`sessions/${encodeURIComponent(id)}${tab === 'diff' ? '/diff' : ''}`, { width: 1400, height: 900 });
  await session.page.locator('.session-header').waitFor({ timeout: LONG });
  const list = await ui.open('sessions', { width: 1400, height: 900 });
  await list.page.locator(`.session-row[data-session="${id}"]`).waitFor({ timeout: LONG });
  const popover = await ui.open('popover', { width: 420, height: 720 });
  await popover.page.locator('.pop-card').first().waitFor({ timeout: LONG });
  return { page: session.page, list: list.page, popover: popover.page, errors: [...session.errors, ...list.errors, ...popover.errors] };
}

/** Header, list card and popover show `expected` (waited for: each is live over the host's events). */
async function expectBadges(s: Surfaces, id: string, expected: string): Promise<void> {
  await expect.poll(() => label(headerBadge(s.page)), { timeout: LONG }).toBe(expected);
  await expect.poll(() => label(listBadge(s.list, id)), { timeout: LONG }).toBe(expected);
  await expect.poll(() => label(popoverBadge(s.popover, id)), { timeout: LONG }).toBe(expected);
}

beforeAll(async () => {
  ui = await startUi({
    script: {
      coder: [
        { content: `First try.\n\n${fence('main.py', 'import sys\nsys.exit(1)\n')}` },
        { content: `Fixed.\n\n${fence('main.py', 'print(42)\n')}` },
        { content: `Added the second line.\n\n${fence('main.py', 'print(42)\nprint(43)\n')}` },
      ],
      sheriff: [
        { content: 'It exits 1.\n\nVERDICT: FAIL' },
        { content: 'Prints 42.\n\nVERDICT: PASS' },
        { content: 'Prints 42 and 43.\n\nVERDICT: PASS' },
      ],
    },
  });
});

afterAll(async () => {
  await revived?.stop();
  await ui?.stop();
  removeTempDirs();
});

describe('one truth per session: every surface agrees', () => {
  /** Paths 1 to 3 walk one session, its windows open throughout (as a user keeps them). */
  let id = '';
  let shared: Surfaces;

  it(
    '1 · rolled back to the failing step: "Not checked" everywhere, the merge bar warns; Restore says "Restored step 2"',
    async () => {
      id = await startSession('Print 42 from main.py.', { 'README.md': '# one\n' }, 2);
      shared = await openSurfaces(id, 'diff');
      const surfaces = shared;
      const { page, list: listPage, popover, errors } = surfaces;
      await expectBadges(surfaces, id, 'Passed');
      await page.locator('.timeline-item[data-step="2"]').waitFor({ timeout: LONG });
      await page.locator('.timeline-item[data-step="1"]').getByRole('button', { name: 'Roll back to here' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Roll back' }).click();

      await expectBadges(surfaces, id, 'Not checked');
      await expect.poll(() => page.locator('.session-header .session-reason').textContent(), { timeout: LONG }).toMatch(/rolled back/i);
      const reason = (await page.locator('.session-header .session-reason').textContent()) ?? '';
      expect(reason).toMatch(/not checked/i);
      expect(reason).not.toMatch(/said PASS/);
      await expect.poll(() => page.locator('[data-merge-headline]').getAttribute('class'), { timeout: LONG }).toContain('warning');
      expect(await page.locator('[data-merge-headline]').textContent()).toContain('step 1 is not checked');
      await page.locator('.timeline-item.dropped[data-dropped-step="2"]').waitFor({ timeout: LONG });
      const { list, show } = await cliViews(id);
      expect(list).toMatchObject({ rolledBackTo: 1, state: show.state });
      expect(show).toMatchObject({ rolledBackTo: 1 });
      await screenshot(page, 'one-truth-1-rolled-back');
      await screenshot(popover, 'one-truth-1-rolled-back-popover');
      await screenshot(listPage, 'one-truth-1-rolled-back-list');

      // Restore: the branch rolls forward to step 2, which the check passed.
      await page.locator('.timeline-item.dropped[data-dropped-step="2"]').getByRole('button', { name: 'Restore' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Restore' }).click();
      await expect.poll(() => page.locator('[data-outcome]').textContent(), { timeout: LONG }).toContain('Restored step 2');
      expect(await page.locator('[data-outcome]').textContent()).not.toContain('commit(s) kept');
      await expectBadges(surfaces, id, 'Passed');
      await expect.poll(() => page.locator('[data-merge-headline]').getAttribute('class'), { timeout: LONG }).toContain('success');
      const after = await cliViews(id);
      expect(after.list).toMatchObject({ rolledBackTo: null, state: 'passed' });
      expect(after.show).toMatchObject({ rolledBackTo: null, state: 'passed' });
      await screenshot(page, 'one-truth-1-restored');
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    '2 · after a reply: series 2 and the total attempts in the header, the card, the timeline and the CLI',
    async () => {
      const surfaces = shared;
      const { page, list: listPage, popover, errors } = surfaces;
      await page.getByRole('tab', { name: 'Transcript' }).click();
      const composer = page.getByRole('form', { name: 'Reply to the Coder' });
      await composer.getByLabel(/Reply to the Coder/).fill('Also print 43 on a second line.');
      await composer.getByRole('button', { name: 'Send' }).click();
      await waitUntilEnded(id, 2);

      await expectBadges(surfaces, id, 'Passed');
      const stat = page.locator('.session-header [data-series]');
      await expect.poll(() => stat.getAttribute('data-series'), { timeout: LONG }).toBe('2');
      expect(await page.locator('.session-header .stat-label').first().textContent()).toBe('Series 2');
      expect(await stat.textContent()).toBe('attempt 1 of 2 · 3 attempts in all');
      await expect
        .poll(() => listPage.locator(`.session-row[data-session="${id}"] [data-total-attempts]`).textContent(), { timeout: LONG })
        .toBe('3 attempts · 2 series');
      await expect
        .poll(() => popover.locator(`.pop-session[data-session="${id}"] [data-total-attempts]`).textContent(), { timeout: LONG })
        .toBe('series 2 · attempt 1 of 2 · 3 attempts in all');
      const { list, show } = await cliViews(id);
      for (const row of [list, show]) expect(row).toMatchObject({ state: 'passed', series: 2, attempts: 1, totalAttempts: 3 });
      // Tokens: the header's budget is the series', and it says the total the card counts (the CLI's totalTokens).
      const total = show.totalTokens.prompt + show.totalTokens.completion;
      expect(list.totalTokens).toEqual(show.totalTokens);
      const budget = page.locator('.session-header .token-budget');
      await expect.poll(() => budget.getAttribute('data-total-tokens'), { timeout: LONG }).toBe(String(total));
      expect(await budget.getAttribute('data-tokens')).toBe(String(show.tokens.prompt + show.tokens.completion));
      expect(total).toBeGreaterThan(show.tokens.prompt + show.tokens.completion);
      await screenshot(page, 'one-truth-2-after-reply');

      await page.getByRole('tab', { name: /Changes/ }).click();
      const step3 = page.locator('.timeline-item[data-step="3"] .timeline-title');
      await expect.poll(() => step3.textContent(), { timeout: LONG }).toMatch(/^Step 3\s*· series 2 · attempt 1$/);
      // The line about the restore (before the reply) is about the past now.
      await expect.poll(() => page.locator('[data-outcome]').count(), { timeout: LONG }).toBe(0);
      await screenshot(page, 'one-truth-2-timeline');
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    '3 · merge, then "Remove worktree and branch…": "Merged" in the list, the Closed filter, the popover, the header and the CLI',
    async () => {
      const surfaces = shared;
      const { page, list: listPage, popover, errors } = surfaces;
      await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: LONG }).toContain('Merges cleanly');
      await page.getByRole('button', { name: 'Squash and merge…' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Squash and merge' }).click();
      await expect.poll(() => page.locator('[data-outcome]').getAttribute('class'), { timeout: LONG }).toContain('success');
      await expectBadges(surfaces, id, 'Merged');

      await page.getByRole('button', { name: 'Remove worktree and branch…' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
      await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: LONG }).toContain('Merged and cleaned up');
      await expectBadges(surfaces, id, 'Merged');
      const { list, show } = await cliViews(id);
      for (const row of [list, show]) expect(row).toMatchObject({ state: 'merged', merged: true, cleanedUp: true });
      // It was a clean-up, not a discard; and nothing that needs the worktree or the branch is offered any more.
      const outcome = (await page.locator('[data-outcome]').textContent()) ?? '';
      expect(outcome).toContain('Removed the worktree and branch.');
      expect(outcome).not.toContain('Discarded');
      await expect.poll(() => page.locator('.rollback-btn:enabled').count(), { timeout: LONG }).toBe(0);
      expect(await page.locator('.session-header').getByRole('button', { name: 'Open in…' }).isDisabled()).toBe(true);
      await expect.poll(() => listPage.locator(`.repo-group:has([data-session="${id}"]) .repo-cleanup`).count(), { timeout: LONG }).toBe(0);
      await screenshot(page, 'one-truth-3-merged-cleaned');
      await page.getByRole('tab', { name: 'Transcript' }).click();
      await page.locator('.finished-row').first().waitFor({ timeout: LONG });
      expect(await page.getByRole('form', { name: 'Reply to the Coder' }).count()).toBe(0);
      // The transcript's own lines: the restore was a restore, the clean-up was not a discard.
      await page.getByText('Removed the worktree and branch after the merge.', { exact: false }).waitFor({ timeout: LONG });
      await page.getByText(/^Restored step 2 \(/).waitFor({ timeout: LONG });
      expect(await page.getByText(/^Discarded\./).count()).toBe(0);
      await screenshot(page, 'one-truth-3-merged-cleaned-transcript');

      await listPage.getByRole('radio', { name: /Closed/ }).click();
      await expect.poll(() => label(listBadge(listPage, id)), { timeout: LONG }).toBe('Merged');
      await screenshot(listPage, 'one-truth-3-merged-cleaned-closed');
      await screenshot(popover, 'one-truth-3-merged-popover');
      // A fresh window (rebuilt from the host's rows, not from live events) says the same.
      await popover.reload();
      await expect.poll(() => label(popoverBadge(popover, id)), { timeout: LONG }).toBe('Merged');
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    '5 · rolled back to its start and never merged: "Nothing to merge: the session has no changes."',
    async () => {
      await ui.model.setScript({
        coder: [{ content: `Done.\n\n${fence('main.py', 'print(5)\n')}` }],
        sheriff: [{ content: 'Prints 5.\n\nVERDICT: PASS' }],
      });
      const five = await startSession('Print 5 from main.py.', { 'README.md': '# five\n' }, 1);
      const surfaces = await openSurfaces(five, 'diff');
      const { page, list: listPage, popover, errors } = surfaces;
      await page.locator('.timeline-item[data-step="1"]').waitFor({ timeout: LONG });
      await page.getByRole('button', { name: 'Roll back to start' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Roll back' }).click();
      await expect
        .poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: LONG })
        .toBe('Nothing to merge: the session has no changes.');
      expect(await page.locator('.merge-panel').textContent()).not.toContain('since the last merge');
      await expectBadges(surfaces, five, 'Not checked');
      expect(await page.locator('.session-header .rolled-back-pill').textContent()).toBe('rolled back to the start · not checked');
      expect(await page.locator('[data-rolled-back="0"]').textContent()).toContain('Rolled back to the start');
      const { list, show } = await cliViews(five);
      for (const row of [list, show]) expect(row).toMatchObject({ rolledBackTo: 0, merged: false });
      expect(list.state).toBe(show.state);
      await screenshot(page, 'one-truth-5-rolled-back-to-start');
      await screenshot(listPage, 'one-truth-5-list');
      await screenshot(popover, 'one-truth-5-popover');
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );

  it(
    '4 · the model server killed mid-reply: the turn ends (no "writing…"), the row has no turn; after Resume it finishes',
    async () => {
      await ui.model.setScript({
        coder: [
          { content: `Done.\n\n${fence('main.py', 'print(4)\n')}` },
          {
            content: `${'Thinking about the second line, slowly. '.repeat(40)}\n\n${fence('main.py', 'print(4)\nprint(44)\n')}`,
            tokensPerSecond: 8,
          },
        ],
        sheriff: [{ content: 'Prints 4.\n\nVERDICT: PASS' }],
      });
      const four = await startSession('Print 4 from main.py.', { 'README.md': '# four\n' }, 2);
      const surfaces = await openSurfaces(four, 'transcript');
      const { page, list: listPage, popover, errors } = surfaces;
      const composer = page.getByRole('form', { name: 'Reply to the Coder' });
      await composer.getByLabel(/Reply to the Coder/).fill('Also print 44.');
      await composer.getByRole('button', { name: 'Send' }).click();

      // The Coder is writing its reply when the server dies.
      const writing = page.locator('.turn-header[data-streaming="true"]');
      await writing.waitFor({ timeout: LONG });
      await expect.poll(async () => (await ui.api().request('sessions.show', { id: four })).ok, { timeout: LONG }).toBe(true);
      await screenshot(page, 'one-truth-4-writing');
      expect(ui.model.kill('SIGKILL')).toBe(true);
      await ui.model.exited;

      await waitUntilEnded(four, 2);
      await expect.poll(() => writing.count(), { timeout: LONG }).toBe(0);
      expect(await page.getByText('writing…').count()).toBe(0);
      // The Coder's card says its turn was cut off; the footer no longer says the server is ready.
      await page.locator('.turn-header.coder [data-cut-off]').last().waitFor({ timeout: LONG });
      await expect.poll(() => page.locator('.sidebar-server').textContent(), { timeout: LONG }).not.toMatch(/^Ready/);
      const { list, show } = await cliViews(four);
      for (const row of [list, show]) expect(row.turn).toBeNull();
      const hostRow = await ui.api().request('sessions.show', { id: four });
      if (!hostRow.ok) throw new Error(hostRow.error.message);
      expect(hostRow.data.session.turn).toBeNull();
      const ended = list.state;
      expect(show.state).toBe(ended);
      await expectBadges(surfaces, four, (await label(headerBadge(page))) ?? 'none');
      await screenshot(page, 'one-truth-4-killed');
      await screenshot(popover, 'one-truth-4-killed-popover');
      await screenshot(listPage, 'one-truth-4-killed-list');

      // The server comes back on the same port; Resume finishes the series.
      revived = await startScriptedServer({
        port: ui.model.port,
        model: path.join(ui.tmp, 'models', 'tiny-coder'),
        script: {
          coder: [{ content: `Again.\n\n${fence('main.py', 'print(4)\nprint(44)\n')}` }],
          sheriff: [{ content: 'Prints 4 and 44.\n\nVERDICT: PASS' }],
        },
      });
      ui.recordServer(revived); // as the supervisor that started it would: the app adopts only a recorded server
      await page.locator('.session-header').getByRole('button', { name: 'Resume' }).click();
      await expect.poll(async () => (await cliViews(four)).show.state, { timeout: LONG }).toBe('passed');
      await waitUntilEnded(four, 2);
      await expectBadges(surfaces, four, 'Passed');
      await expect.poll(() => writing.count(), { timeout: LONG }).toBe(0);
      await expect.poll(() => page.locator('.sidebar-server').textContent(), { timeout: LONG }).toMatch(/^Ready/);
      expect(await page.getByText('writing…').count()).toBe(0);
      const resumed = await cliViews(four);
      for (const row of [resumed.list, resumed.show]) expect(row).toMatchObject({ state: 'passed', series: 2, turn: null });
      expect(git(resumed.show.worktree, 'show', 'HEAD:main.py')).toBe('print(4)\nprint(44)\n');
      await screenshot(page, 'one-truth-4-resumed');
      // Above the resumed try, the first one's Coder turn is still there, still cut off (never "writing…" again).
      const cut = page.locator('.turn-header.coder [data-cut-off]');
      await cut.first().scrollIntoViewIfNeeded({ timeout: LONG });
      await expect.poll(() => cut.count(), { timeout: 60_000 }).toBe(1);
      await screenshot(page, 'one-truth-4-resumed-cut-off-above');
      expect(errors).toEqual([]);
    },
    TEST_MS,
  );
});
