import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * The UI end to end: the built renderer served by the real `mlx-factory ui` (real core, real git,
 * real check processes), the scripted server as the model, Chromium clicking through it. A session
 * on a real temporary repository streams its transcript, fails, is fixed, passes; its diff opens in
 * Monaco; it is rolled back a step and merged; the result is checked in the repository on disk.
 */

const BROKEN = 'def total(xs):\n    return sum(xs) / 0\n\nprint(total([40, 2]))\n';
const FIXED = 'def total(xs):\n    return sum(xs)\n\nprint("\\033[32mtotal: %d\\033[0m" % total([40, 2]))\n';
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;

const SCRIPT: Script = {
  coder: [
    // Slow enough to watch it stream.
    {
      content: `I'll add **main.py** that sums the numbers.\n\n${fence('main.py', BROKEN)}\nRun it with \`python3 main.py\`.`,
      tokensPerSecond: 20,
    },
    { content: `The divisor was wrong; fixed:\n\n${fence('main.py', FIXED)}`, tokensPerSecond: 400 },
    {
      content: `Added notes as asked.\n\n${fence('main.py', FIXED)}\ndebug_notes.txt\n\`\`\`text\nscratch notes\n\`\`\`\n`,
      tokensPerSecond: 400,
    },
  ],
  sheriff: [
    {
      content: 'It crashed with ZeroDivisionError.\n\n- divide by the count, or just return the sum\n\nVERDICT: FAIL',
      tokensPerSecond: 400,
    },
    { content: 'Output is right, but write a debug_notes.txt too.\n\nVERDICT: FAIL', tokensPerSecond: 400 },
    { content: 'The output is `total: 42` and the notes exist.\n\n**VERDICT: PASS**', tokensPerSecond: 400 },
  ],
};

let ui: UiHarness;
let repo: string;
let page: Page;
let errors: string[];
let external: string[];
let sessionId = '';
let branch = '';

async function text(selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT, config: { agent: { max_attempts: 3 } } });
  repo = makeRepo({ files: { 'README.md': '# sums\n', 'notes/todo.md': '- sum things\n' } });
  // An uncommitted change the session must not carry and the merge must not touch.
  fs.writeFileSync(path.join(repo, 'notes', 'todo.md'), '- sum things\n- and more\n');
  ({ page, errors, external } = await ui.open('sessions', { probe: true }));
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('mlx-factory ui in Chromium', () => {
  it('shows validation errors inline in New session', async () => {
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    const sheet = page.getByRole('dialog', { name: 'New session' });
    await expect.poll(() => sheet.isVisible()).toBe(true);
    await page.locator('#ns-folder').fill('relative/repo');
    // The folder is checked as it is typed; its message moves the button below it, so click after it shows.
    await expect.poll(() => text('[data-field-error="folder"]')).toContain('full path');
    await sheet.getByRole('button', { name: 'Start session' }).click();
    await expect.poll(() => text('[data-field-error="description"]')).toBe('Say what the Coder should do.');
    await page.locator('#ns-folder').fill(path.join(repo, 'no-such-folder'));
    await page.locator('#ns-attempts').fill('0');
    await page.locator('#ns-attempts').blur();
    await expect.poll(() => text('[data-field-error="folder"]'), { timeout: 60_000 }).not.toContain('full path');
    expect(await text('[data-field-error="folder"]')).not.toBe('');
    expect(await text('[data-field-error="limits"]')).toContain('between 1 and 100');
    await screenshot(page, 'new-session-validation');
    // A folder dropped in a browser: the page cannot learn its path, and says to type it.
    const drop = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], 'my-project'));
      return transfer;
    });
    await page.locator('.drop-zone').dispatchEvent('drop', { dataTransfer: drop });
    await expect.poll(() => text('.field-hint.warning')).toContain('does not reveal where “my-project” is');
    await page.keyboard.press('Escape');
    await expect.poll(() => sheet.count(), { timeout: 60_000 }).toBe(0);
  });

  it("asks before a project's own factory.yaml may run code: the ignored keys are named, and Trust applies it", async () => {
    const hostile = makeRepo({
      files: { 'README.md': '# x\n', 'factory.yaml': 'workspace:\n  setup: "npm ci"\nagent:\n  execution_timeout: 86400\n' },
    });
    await page.keyboard.press('n');
    const sheet = page.getByRole('dialog', { name: 'New session' });
    await expect.poll(() => sheet.isVisible()).toBe(true);
    await page.locator('#ns-folder').fill(hostile);
    await expect.poll(() => text('[data-untrusted-config]'), { timeout: 60_000 }).toContain('workspace.setup, agent.execution_timeout');
    await screenshot(page, 'new-session-untrusted-config');
    await sheet.getByRole('button', { name: 'Trust its current content' }).click();
    await expect.poll(() => page.locator('[data-untrusted-config]').count(), { timeout: 60_000 }).toBe(0);
    const store = JSON.parse(fs.readFileSync(path.join(ui.home, 'trusted-projects.json'), 'utf8')) as { trusted: Record<string, string> };
    expect(Object.keys(store.trusted)).toEqual([path.join(fs.realpathSync(hostile), 'factory.yaml')]);
    await page.keyboard.press('Escape');
    await expect.poll(() => sheet.count(), { timeout: 60_000 }).toBe(0);
  });

  it('starts a session on a real repo with N (⌘N in the desktop app) and streams the transcript', async () => {
    // A browser keeps ⌘/Ctrl+N for itself: the web UI takes plain N outside text fields.
    await page.keyboard.press('n');
    const sheet = page.getByRole('dialog', { name: 'New session' });
    await expect.poll(() => sheet.isVisible()).toBe(true);
    await page.locator('#ns-folder').fill(repo);
    // The folder is checked: a repo on main, with one uncommitted change that will not be in the session.
    await expect.poll(() => page.locator('[data-uncommitted]').textContent(), { timeout: 60_000 }).toContain('notes/todo.md');
    await page.locator('#ns-task').fill('Write main.py that prints the total of 40 and 2.');
    await page.locator('#ns-check').fill('python3 main.py');
    await page.locator('#ns-attempts').fill('3');
    await screenshot(page, 'new-session-filled');
    await sheet.getByRole('button', { name: 'Start session' }).click();

    // The app opens the new session; its first Coder turn streams in.
    await expect.poll(() => page.url(), { timeout: 60_000 }).toMatch(/#sessions\/[^/]+$/);
    sessionId = decodeURIComponent(/#sessions\/([^/]+)$/.exec(page.url())?.[1] ?? '');
    await page.locator('.turn-header[data-streaming="true"]').first().waitFor({ timeout: 60_000 });
    // Text is on screen while the turn is still being written (at 20 tokens/s it takes ~4 s).
    await expect
      .poll(() => page.locator('.transcript-scroll').textContent(), { timeout: 60_000, interval: 100 })
      .toContain("I'll add main.py that sums");
    await expect.poll(() => page.locator('.turn-header[data-streaming="true"]').count(), { timeout: 60_000 }).toBe(1);
    await screenshot(page, 'transcript-streaming');

    // Three attempts later: passed.
    await page.locator('.finished-row[data-outcome="passed"]').waitFor({ timeout: 45_000 });
    branch = (await text('.meta-item.branch')).trim();
    expect(branch).toMatch(/^factory\//);
    // Every streamed token arrived once: the streamed text equals the reply the host recorded.
    const turns = await page.evaluate(
      (id) =>
        (
          window as unknown as { __factoryProbe: { turns(s: string): Array<{ streamed: string; final: string | null }> } }
        ).__factoryProbe.turns(id),
      sessionId,
    );
    expect(turns).toHaveLength(6);
    for (const turn of turns) expect(turn.streamed).toBe(turn.final);
    expect(turns[0]?.streamed).toContain('sum(xs) / 0');
  });

  it('shows each check run with its colours and the verdicts', async () => {
    // The transcript follows the end: the last check (green output, exit 0) and the PASS are on screen.
    const output = page.locator('.exec-output').last();
    await expect.poll(() => output.locator('.ansi-green').first().textContent()).toBe('total: 42');
    expect(await page.locator('.exec-footer').last().getAttribute('data-exit')).toBe('0');
    expect(await page.locator('.verdict-card').last().getAttribute('data-verdict')).toBe('PASS');
    await screenshot(page, 'transcript-passed');
    // Scrolling up stops the following; the first attempt's failure (a traceback, exit 1) is there.
    await page.locator('.transcript-scroll').hover();
    await page.mouse.wheel(0, -100_000);
    await expect.poll(() => page.locator('.transcript-scroll').getAttribute('data-following')).toBe('false');
    await expect
      .poll(async () => (await page.locator('.exec-output').allTextContents()).join('\n'), { timeout: 60_000 })
      .toContain('ZeroDivisionError');
    // The list is virtualised: the attempt's footer and verdict come into the page as it scrolls down to them.
    const firstAttemptShown = async (): Promise<boolean> =>
      (await page.locator('.exec-footer[data-exit="1"]').count()) > 0 &&
      (await page.locator('.verdict-card[data-verdict="FAIL"]').count()) > 0;
    await expect
      .poll(async () => {
        if (await firstAttemptShown()) return true;
        await page.mouse.wheel(0, 150);
        return false;
      })
      .toBe(true);
    await screenshot(page, 'transcript-first-attempt');
    await page.getByRole('button', { name: 'Latest' }).click();
    await expect.poll(() => page.locator('.transcript-scroll').getAttribute('data-following')).toBe('true');
    // The header: attempts and the token budget used.
    expect(await page.locator('[data-attempt]').getAttribute('data-attempt')).toBe('3');
    expect(Number(await page.locator('.token-budget').getAttribute('data-tokens'))).toBeGreaterThan(0);
  });

  it('opens the diff in Monaco (bundled, no CDN), side by side and inline', async () => {
    await page.getByRole('tab', { name: /Changes/ }).click();
    await page.locator('.file-row[data-path="main.py"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('.file-row').count(), { timeout: 60_000 }).toBe(2);
    await page.locator('.monaco-host[data-diff-state="ready"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('.monaco-host .monaco-diff-editor').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.locator('.monaco-host').getAttribute('data-diff-path')).toBe('debug_notes.txt');
    // ↓ in the file list selects the next file, which Monaco then shows.
    await page.locator('.file-rows').focus();
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(() => page.locator('.monaco-host[data-diff-state="ready"]').getAttribute('data-diff-path'), { timeout: 60_000 })
      .toBe('main.py');
    // (Monaco draws spaces as no-break spaces.)
    await expect
      .poll(async () =>
        ((await page.locator('.monaco-host .monaco-diff-editor .view-lines').last().textContent()) ?? '').replace(/\u00a0/g, ' '),
      )
      .toContain('total: %d');
    await screenshot(page, 'diff-side-by-side');
    await page.getByRole('radio', { name: 'Inline' }).click();
    await expect.poll(() => page.locator('.monaco-host .monaco-diff-editor.side-by-side').count(), { timeout: 60_000 }).toBe(0);
    await screenshot(page, 'diff-inline');
    await page.getByRole('radio', { name: 'Side by side' }).click();
    // Everything came from the app's own origin.
    expect(external).toEqual([]);
  });

  it('rolls back a step from the timeline', async () => {
    const steps = page.locator('.timeline-item[data-step]');
    await expect.poll(() => steps.count(), { timeout: 60_000 }).toBe(3);
    const step2 = page.locator('.timeline-item[data-step="2"]');
    await step2.getByRole('button', { name: 'Roll back to here' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent()).toContain(`Moves ${branch}`);
    await screenshot(page, 'rollback-confirm');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => text('[data-outcome]'), { timeout: 60_000 }).toContain('Rolled back to step 2');
    // On disk: the branch is at step 2 (no debug notes), and the dropped step is kept by a ref.
    expect(git(repo, 'ls-tree', '--name-only', branch).split('\n')).not.toContain('debug_notes.txt');
    expect(git(repo, 'show', `${branch}:main.py`)).toBe(FIXED);
    await expect.poll(() => page.locator('.file-row').count(), { timeout: 60_000 }).toBe(1);
  });

  it('merges after the preview, and the result is in the repository on disk', async () => {
    await expect.poll(() => text('[data-merge-headline]'), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent()).toContain('Creates one commit on main');
    expect(await dialog.textContent()).toContain(repo);
    await screenshot(page, 'merge-confirm');
    await dialog.getByRole('button', { name: 'Squash and merge' }).click();
    await expect.poll(() => page.locator('[data-outcome]').getAttribute('class'), { timeout: 60_000 }).toContain('success');
    await expect.poll(() => page.locator('.merge-panel').getAttribute('data-loading'), { timeout: 60_000 }).toBe('false');
    await screenshot(page, 'merged');
    // main has one new commit with main.py; the user's checkout (on main) was brought along; the
    // uncommitted change there is still there; nothing of the dropped step arrived.
    expect(git(repo, 'rev-list', '--count', 'main').trim()).toBe('2');
    expect(git(repo, 'show', 'main:main.py')).toBe(FIXED);
    expect(fs.readFileSync(path.join(repo, 'main.py'), 'utf8')).toBe(FIXED);
    expect(fs.readFileSync(path.join(repo, 'notes', 'todo.md'), 'utf8')).toBe('- sum things\n- and more\n');
    expect(fs.existsSync(path.join(repo, 'debug_notes.txt'))).toBe(false);
  });

  it('controls the server and shows its log and doctor', async () => {
    await page.getByRole('button', { name: 'Server' }).first().click();
    await page.locator('.page-header h1', { hasText: 'Server' }).waitFor();
    const badge = page.locator('.server-card [data-server-state]');
    await badge.waitFor({ timeout: 60_000 });
    const before = await badge.getAttribute('data-server-state');
    if (before === 'ready' || before === 'adopted') {
      await page.locator('.server-actions').getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => badge.getAttribute('data-server-state'), { timeout: 60_000 }).toBe('stopped');
    }
    await page.locator('.server-actions').getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => badge.getAttribute('data-server-state'), { timeout: 60_000 }).toMatch(/^(ready|adopted)$/);
    await page.locator('.doctor-item').first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'server');
  });

  it('charts memory samples', async () => {
    await page.getByRole('button', { name: 'Memory' }).click();
    await expect
      .poll(async () => Number(await page.locator('.memory-chart').getAttribute('data-samples')), { timeout: 60_000 })
      .toBeGreaterThan(1);
    const line = await page.locator('.series-line.system').getAttribute('d');
    expect(line?.match(/L/g)?.length ?? 0).toBeGreaterThan(0);
    await screenshot(page, 'memory');
  });

  it('validates and saves Settings (",", ⌘, in the desktop app) to factory.yaml', async () => {
    await page.keyboard.press(',');
    await page.locator('.page-header h1', { hasText: 'Settings' }).waitFor();
    const attempts = page.locator('#setting-agent\\.max_attempts');
    await attempts.fill('0');
    await expect.poll(() => text('[data-field-error="agent.max_attempts"]')).toBe('Must be more than 0.');
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await screenshot(page, 'settings-invalid');
    await attempts.fill('4');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.saved-note').waitFor({ timeout: 60_000 });
    expect(fs.readFileSync(path.join(ui.home, 'factory.yaml'), 'utf8')).toMatch(/max_attempts: 4/);
  });

  it('shows the popover and the views in dark mode', async () => {
    const popover = await ui.open('popover', { width: 380, height: 520 });
    await popover.page.locator('.pop-session').first().waitFor({ timeout: 60_000 });
    await screenshot(popover.page, 'popover');
    await popover.page.getByRole('button', { name: 'New session…' }).click();
    await popover.page.locator('#ns-task').waitFor();
    await screenshot(popover.page, 'popover-new-session');
    await popover.page.keyboard.press('Escape');
    const dark = await ui.open(`sessions/${encodeURIComponent(sessionId)}`, { dark: true });
    await dark.page.locator('.finished-row').waitFor({ timeout: 60_000 });
    await screenshot(dark.page, 'transcript-dark');
    await dark.page.getByRole('tab', { name: /Changes/ }).click();
    await dark.page.locator('.monaco-host[data-diff-state="ready"]').waitFor({ timeout: 60_000 });
    await screenshot(dark.page, 'diff-dark');
    // Escape (⌘W in the desktop app) closes the open session (back to the list), not the window.
    await dark.page.keyboard.press('Escape');
    await expect.poll(() => dark.page.url()).toMatch(/#sessions$/);
    await dark.page.getByText('Pick a session').waitFor();
    const darkPopover = await ui.open('popover', { width: 380, height: 520, dark: true });
    await darkPopover.page.locator('.pop-session').first().waitFor({ timeout: 60_000 });
    await screenshot(darkPopover.page, 'popover-dark');
    expect([...errors, ...popover.errors, ...dark.errors, ...darkPopover.errors]).toEqual([]);
  });
});
