import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { describeFindings, seriousViolations } from './support/axe-scan.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * The review UI around a finished session (issue 12): every view passes an axe-core scan in light
 * and dark, the layout holds from a 420 px popover-opened window to a 1440 px desktop, the
 * shortcuts fit the platform and the browser, and the list, merge and cleanup flows work on a real
 * repository. The scripted server plays the model.
 */
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
const LINES = Array.from({ length: 40 }, (_, i) => `value_${i} = ${i} * 2  # a line long enough to show how wide each pane is\n`).join('');
const SCRIPT: Script = {
  coder: [{ content: `Here it is.\n\n${fence('main.py', `${LINES}print(42)\n`)}`, times: 50 }],
  sheriff: [{ content: 'Prints 42.\n\nVERDICT: PASS', times: 50 }],
};

let ui: UiHarness;
let repo: string;
let sessionId = '';
/** "Open in editor" runs the user's workspace.editor: here a script that writes down what it was asked to open. */
const openedFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-e2e-open-')), 'opened.txt');

beforeAll(async () => {
  ui = await startUi({
    script: SCRIPT,
    config: { workspace: { editor: ['/bin/sh', '-c', `printf %s "$1" > '${openedFile}'`, 'editor'] } },
  });
  repo = makeRepo({ files: { 'README.md': '# demo\n' } });
  sessionId = await ui.runSession('Print the answer.\nIt is 42.', repo, { maxAttempts: 2 });
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

async function expectAccessible(page: Page, view: string): Promise<void> {
  const findings = await seriousViolations(page);
  expect(describeFindings(view, findings)).toBe('');
}

describe('accessibility (axe-core) in light and dark', () => {
  for (const dark of [false, true]) {
    const theme = dark ? 'dark' : 'light';
    it(`has no serious or critical violations in any view (${theme})`, async () => {
      const { page, errors } = await ui.open('sessions', { dark });
      await page.locator('.session-row').first().waitFor({ timeout: 60_000 });
      await expectAccessible(page, `sessions list (${theme})`);

      await page.locator('.session-row').first().click();
      await page.locator('.finished-row').waitFor({ timeout: 60_000 });
      await expectAccessible(page, `transcript (${theme})`);

      await page.getByRole('tab', { name: /Changes/ }).click();
      await page.locator('.monaco-host[data-diff-state="ready"]').waitFor({ timeout: 60_000 });
      await page.locator('[data-merge-headline]').waitFor({ timeout: 60_000 });
      await expectAccessible(page, `changes (${theme})`);

      await page.getByRole('button', { name: 'Discard…' }).click();
      await page.getByRole('alertdialog').waitFor();
      await expectAccessible(page, `confirm dialog (${theme})`);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByRole('alertdialog').count(), { timeout: 60_000 }).toBe(0);
      await page.getByRole('button', { name: 'Squash and merge…' }).click();
      await page.getByRole('alertdialog').getByLabel('Commit message').waitFor();
      await expectAccessible(page, `merge dialog (${theme})`);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByRole('alertdialog').count(), { timeout: 60_000 }).toBe(0);

      for (const [name, heading] of [
        ['Memory', 'Memory'],
        ['Server', 'Server'],
        ['Settings', 'Settings'],
        ['Cleanup', 'Cleanup'],
      ] as const) {
        await page
          .getByRole('button', { name: new RegExp(`^${name}`) })
          .first()
          .click();
        await page.locator('.page-header h1', { hasText: heading }).waitFor();
        await page.waitForTimeout(300);
        await expectAccessible(page, `${name} (${theme})`);
      }

      await page.getByRole('button', { name: 'New session', exact: true }).click();
      await page.getByRole('dialog', { name: 'New session' }).waitFor();
      await expectAccessible(page, `new session (${theme})`);
      await page.keyboard.press('Escape');

      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await expectAccessible(page, `shortcut sheet (${theme})`);
      await page.keyboard.press('Escape');

      const popover = await ui.open('popover', { dark, width: 380, height: 520 });
      await popover.page.locator('.pop-card').first().waitFor();
      await popover.page.locator('[data-server-state]').first().waitFor({ timeout: 60_000 });
      await expectAccessible(popover.page, `popover (${theme})`);
      await popover.page.getByRole('button', { name: 'New session…' }).click();
      await popover.page.locator('#ns-task').waitFor();
      await expectAccessible(popover.page, `popover new session (${theme})`);
      expect([...errors, ...popover.errors]).toEqual([]);
    });
  }

  it('reaches every control by keyboard, each with a visible focus ring and a name', async () => {
    const walk = async (page: Page, presses: number): Promise<Array<{ name: string; ring: boolean; tag: string }>> => {
      const seen: Array<{ name: string; ring: boolean; tag: string }> = [];
      for (let i = 0; i < presses; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (el === null || el === document.body) return null;
          // Monaco's own text areas are labelled by the editor (checked by axe above).
          if (el.closest('.monaco-editor') !== null) return { name: 'monaco', ring: true, tag: 'monaco' };
          const style = getComputedStyle(el);
          const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
          const labelledBy = el.getAttribute('aria-labelledby');
          const labels = 'labels' in el ? Array.from((el as HTMLInputElement).labels ?? []).map((l) => l.textContent ?? '') : [];
          const name =
            [
              el.getAttribute('aria-label'),
              labelledBy !== null ? document.getElementById(labelledBy)?.textContent : null,
              ...labels,
              el.textContent,
              el.getAttribute('title'),
            ]
              .map((n) => (n ?? '').trim())
              .find((n) => n !== '') ?? '';
          return { name, ring, tag: `${el.tagName.toLowerCase()}${el.className !== '' ? `.${String(el.className).split(' ')[0]}` : ''}` };
        });
        if (focused !== null) seen.push(focused);
      }
      return seen;
    };
    const views: Array<{ route: string; ready: string; width?: number; height?: number; expect: string[] }> = [
      {
        route: `sessions/${encodeURIComponent(sessionId)}/diff`,
        ready: '.monaco-host[data-diff-state="ready"]',
        expect: ['File list width', 'Discard…', 'Open in…', 'Show session list'],
      },
      {
        route: `sessions/${encodeURIComponent(sessionId)}`,
        ready: '.finished-row',
        expect: ['Session list width', 'Sessions', 'Transcript'],
      },
      { route: 'settings', ready: '.page-header h1', expect: ['Max attempts', 'Model'] },
      { route: 'cleanup', ready: '.cleanup-table', expect: ['Select Print the answer'] },
      { route: 'popover', ready: '.pop-card', width: 380, height: 520, expect: ['New session…', 'Open dashboard'] },
    ];
    for (const view of views) {
      const { page } = await ui.open(view.route, {
        ...(view.width !== undefined ? { width: view.width } : {}),
        ...(view.height !== undefined ? { height: view.height } : {}),
      });
      await page.locator(view.ready).first().waitFor({ timeout: 60_000 });
      const seen = await walk(page, 45);
      expect(
        seen.filter((f) => f.name === ''),
        view.route,
      ).toEqual([]);
      expect(
        seen.filter((f) => !f.ring),
        view.route,
      ).toEqual([]);
      const names = seen.map((f) => f.name);
      for (const wanted of view.expect)
        expect(
          names.some((n) => n.startsWith(wanted)),
          `${view.route}: ${wanted} in ${names.join(' | ')}`,
        ).toBe(true);
    }
  });
});

describe('layout', () => {
  it('gives the diff the width at 1440 px', async () => {
    const { page } = await ui.open(`sessions/${encodeURIComponent(sessionId)}/diff`, { width: 1440, height: 900 });
    await page.locator('.monaco-host[data-diff-state="ready"]').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(300);
    const widths = await page.evaluate(() => ({
      original: document.querySelector('.monaco-host .monaco-diff-editor .editor.original')?.getBoundingClientRect().width ?? 0,
      modified: document.querySelector('.monaco-host .monaco-diff-editor .editor.modified')?.getBoundingClientRect().width ?? 0,
    }));
    expect(widths.original).toBeGreaterThanOrEqual(450);
    expect(widths.modified).toBeGreaterThanOrEqual(450);
    await screenshot(page, 'layout-1440-diff');
    // The list comes back on demand, and the splitter resizes it by keyboard.
    await page.getByRole('button', { name: 'Show session list' }).click();
    const splitter = page.getByRole('separator', { name: 'Session list width' });
    await splitter.waitFor();
    const before = Number(await splitter.getAttribute('aria-valuenow'));
    await splitter.focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => Number(await splitter.getAttribute('aria-valuenow'))).toBe(before - 16);
    await screenshot(page, 'layout-1440-diff-with-list');
    await page.getByRole('button', { name: 'Hide session list' }).click();
    await page.getByRole('tab', { name: 'Transcript' }).click();
    await page.locator('.finished-row').waitFor({ timeout: 60_000 });
    await screenshot(page, 'layout-1440-transcript');
  });

  it('is one column with back navigation at 420 px', async () => {
    const { page } = await ui.open('sessions', { width: 420, height: 800 });
    await page.locator('.session-row').first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'layout-420-list');
    await page.locator('.session-row').first().click();
    await page.locator('.finished-row').waitFor({ timeout: 60_000 });
    // The list is gone; the session fills the window, nothing is off screen to the right.
    expect(await page.locator('.session-list').count()).toBe(0);
    const overflow = await page.evaluate(() => {
      const header = document.querySelector('.session-header')?.getBoundingClientRect();
      return { right: header?.right ?? 0, scroll: document.documentElement.scrollWidth };
    });
    expect(overflow.right).toBeLessThanOrEqual(420);
    expect(overflow.scroll).toBeLessThanOrEqual(420);
    await screenshot(page, 'layout-420-session');
    await page.getByRole('tab', { name: /Changes/ }).click();
    await page.locator('.monaco-host[data-diff-state="ready"]').waitFor({ timeout: 60_000 });
    // Inline at this width, whatever the toggle said.
    expect(await page.locator('.monaco-host .monaco-diff-editor.side-by-side').count()).toBe(0);
    await screenshot(page, 'layout-420-diff');
    await page.locator('.back-btn').click();
    await page.locator('.session-row').first().waitFor();
    expect(page.url()).toMatch(/#sessions$/);

    // From the popover (a browser has one page): a recent session opens in one column, on screen.
    const popover = await ui.open('popover', { width: 420, height: 720 });
    await popover.page.locator('.pop-session').first().click();
    await popover.page.locator('.session-header').waitFor({ timeout: 60_000 });
    const box = await popover.page.locator('.session-header').boundingBox();
    expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(420);
    await expect.poll(() => popover.page.locator('.back-btn').count(), { timeout: 60_000 }).toBe(1);
    await screenshot(popover.page, 'layout-420-from-popover');

    // The other views fit too: nothing wider than the window.
    for (const route of ['memory', 'server', 'settings', 'cleanup']) {
      const view = await ui.open(route, { width: 420, height: 800 });
      await view.page.locator('.page-header h1').waitFor();
      await view.page.waitForTimeout(300);
      const widest = await view.page.evaluate(() =>
        Math.max(
          document.documentElement.scrollWidth,
          ...Array.from(document.querySelectorAll('.page-body, .page-header, .sidebar')).map((e) => e.getBoundingClientRect().right),
        ),
      );
      expect(widest, route).toBeLessThanOrEqual(420);
      await screenshot(view.page, `layout-420-${route}`);
    }
  });
});

describe('shortcuts', () => {
  it('uses plain keys in a browser and lists them on ?', async () => {
    const { page } = await ui.open('sessions');
    await page.locator('.session-row').first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    const text = (await sheet.textContent()) ?? '';
    expect(await sheet.locator('[data-shortcut="new-session"] kbd').textContent()).toBe('N');
    expect(text).not.toMatch(/Ctrl\+[NW]\b|⌘[NW]\b/);
    await screenshot(page, 'shortcut-sheet');
    await page.keyboard.press('Escape');
    await expect.poll(() => sheet.count(), { timeout: 60_000 }).toBe(0);
    // Typing N in a text field types it; outside, it opens New session.
    await page.locator('.search-field input').fill('n');
    expect(await page.getByRole('dialog', { name: 'New session' }).count()).toBe(0);
    await page.locator('.search-field input').fill('');
    await page.locator('.session-rows').focus();
    await page.keyboard.press('n');
    await page.getByRole('dialog', { name: 'New session' }).waitFor();
    await page.keyboard.press('Escape');
  });
});

describe('the list and cleanup', () => {
  it('groups by repository, tells equal tasks apart, shows each step’s result, archives and cleans up', async () => {
    const other = makeRepo({ files: { 'README.md': '# other\n' } });
    const twinA = await ui.runSession('Add the numbers\nTwice over.', other, { maxAttempts: 2 });
    const twinB = await ui.runSession('Add the numbers\nTwice over.', other, { maxAttempts: 2 });
    const api = ui.api();
    const failing = await api.request('sessions.start', {
      description: 'Fail on purpose',
      repo: other,
      check: 'python3 -c "raise SystemExit(3)"',
      maxAttempts: 1,
    });
    if (!failing.ok) throw new Error(failing.error.message);
    await expect
      .poll(
        async () => {
          const shown = await api.request('sessions.show', { id: failing.data.id });
          return shown.ok ? shown.data.session.state : null;
        },
        { timeout: 60_000 },
      )
      .toBe('failed');

    const { page, errors } = await ui.open('sessions', { width: 1280, height: 860 });
    await page.locator('.session-row').nth(3).waitFor({ timeout: 60_000 });
    const groups = page.locator('.repo-group');
    await expect.poll(() => groups.count(), { timeout: 60_000 }).toBe(2);
    // Newest activity first; the full path on hover.
    expect(await groups.first().getAttribute('data-repo')).toBe(other);
    expect(await groups.first().locator('.repo-group-name').getAttribute('title')).toBe(other);
    // The same task twice: a short id after each title, none after the others.
    const twinRow = page.locator(`.session-row[data-session="${twinA}"]`);
    expect(await twinRow.locator('.session-name').textContent()).toBe('Add the numbers');
    expect(await twinRow.locator('.session-short-id').textContent()).toBe(`#${twinA.split('-').at(-1)?.slice(0, 6)}`);
    await expect.poll(() => page.locator(`.session-row[data-session="${twinB}"] .session-short-id`).count(), { timeout: 60_000 }).toBe(1);
    expect(await page.locator(`.session-row[data-session="${sessionId}"] .session-short-id`).count()).toBe(0);
    await screenshot(page, 'list-grouped');

    // Each step of the timeline says what its check and the Sheriff made of it.
    await twinRow.click();
    await page.getByRole('tab', { name: /Changes/ }).click();
    await expect
      .poll(() => page.locator('.timeline-item[data-step="1"] .step-outcome').textContent(), { timeout: 60_000 })
      .toBe('exit 0 · PASS');
    await screenshot(page, 'timeline-outcomes');

    // Archive hides without deleting; "Show archived" brings it back.
    await page.getByRole('tab', { name: 'Transcript' }).click();
    await page.locator('.session-list').waitFor();
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await expect.poll(() => page.locator(`.session-list .session-row[data-session="${twinA}"]`).count(), { timeout: 60_000 }).toBe(0);
    const showArchived = page.getByRole('checkbox', { name: /Show archived/ });
    await showArchived.check();
    await expect
      .poll(() => page.locator(`.session-row[data-session="${twinA}"] .badge`, { hasText: 'Archived' }).count(), { timeout: 60_000 })
      .toBe(1);
    expect((await api.request('sessions.show', { id: twinA })).ok).toBe(true);
    await page.getByRole('button', { name: 'Unarchive' }).click();
    await expect
      .poll(() => page.locator(`.session-row[data-session="${twinA}"] .badge`, { hasText: 'Archived' }).count(), { timeout: 60_000 })
      .toBe(0);

    // The repository's cleanup takes the failed session only (the passed ones wait for review).
    await groups.first().getByRole('button', { name: 'Clean up 1…' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent()).toContain('Fail on purpose');
    await dialog.getByRole('button', { name: 'Discard 1' }).click();
    await expect
      .poll(
        async () => {
          const shown = await api.request('sessions.show', { id: failing.data.id });
          return shown.ok ? shown.data.session.state : null;
        },
        { timeout: 60_000 },
      )
      .toBe('discarded');
    expect(fs.existsSync(failing.data.worktree)).toBe(false);

    // The Cleanup view: the disk each worktree takes; discard a selection.
    await page.getByRole('button', { name: 'Cleanup' }).click();
    await page.locator('.page-header h1', { hasText: 'Cleanup' }).waitFor();
    await expect
      .poll(async () => Number((await page.locator('[data-total-bytes]').getAttribute('data-total-bytes')) ?? 0), { timeout: 60_000 })
      .toBeGreaterThan(0);
    expect(Number(await page.locator(`[data-cleanup-session="${twinB}"] [data-bytes]`).getAttribute('data-bytes'))).toBeGreaterThan(0);
    await expectAccessible(page, 'cleanup (light)');
    await screenshot(page, 'cleanup');
    await page.locator(`[data-cleanup-session="${twinB}"] input[type="checkbox"]`).check();
    await page.locator('.cleanup-bar').getByRole('button', { name: 'Discard…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Discard 1' }).click();
    await expect.poll(() => page.locator(`[data-cleanup-session="${twinB}"]`).count(), { timeout: 60_000 }).toBe(0);
    const twinBInfo = await api.request('sessions.show', { id: twinB });
    expect(twinBInfo.ok && fs.existsSync(twinBInfo.data.session.worktree)).toBe(false);
    expect(errors).toEqual([]);
  });
});

describe('one source of truth for the server', () => {
  it('never calls the external server "not running" in the popover or the memory view, and the doctor names it on its port', async () => {
    const popover = await ui.open('popover', { width: 380, height: 520 });
    await expect
      .poll(() => popover.page.locator('[data-server-state]').first().getAttribute('data-server-state'), { timeout: 60_000 })
      .toBe('adopted');
    await popover.page.locator('.gauge-legend').waitFor({ timeout: 60_000 });
    expect(await popover.page.locator('.gauge-legend').textContent()).not.toContain('not running');
    await screenshot(popover.page, 'popover-external-server');

    const { page } = await ui.open('memory');
    await page.locator('[data-server-memory]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-server-memory]').getAttribute('data-server-memory')).not.toBe('not running');
    expect(await page.locator('.sidebar-server').textContent()).toContain('Ready (external)');

    await page
      .getByRole('button', { name: /^Server/ })
      .first()
      .click();
    const port = page.locator('.doctor-item[data-check="port"] .doctor-detail');
    await port.waitFor({ timeout: 60_000 });
    expect(await port.textContent()).toContain(`:${ui.model.port} is served by`);
    expect(await port.textContent()).not.toContain('is free');
  });
});

describe('merge', () => {
  it('opens the worktree in the editor, merges with an edited message, then offers to remove the worktree and branch', async () => {
    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(sessionId)}/diff`);
    await page.locator('[data-merge-headline]').waitFor({ timeout: 60_000 });
    const detail = await ui.api().request('sessions.show', { id: sessionId });
    if (!detail.ok) throw new Error(detail.error.message);
    const { worktree, branch } = detail.data.session;

    // Open in… → Editor: the host runs the user's command on the recorded worktree.
    await page.getByRole('button', { name: 'Open in…' }).click();
    await page.getByRole('group', { name: 'Open the worktree in' }).waitFor();
    await expectAccessible(page, 'open-in menu (light)');
    await page.getByRole('button', { name: 'Editor' }).click();
    await expect.poll(() => (fs.existsSync(openedFile) ? fs.readFileSync(openedFile, 'utf8') : ''), { timeout: 60_000 }).toBe(worktree);

    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    const dialog = page.getByRole('alertdialog');
    const message = dialog.getByLabel('Commit message');
    const proposed = await message.inputValue();
    // The subject is the task's first line, whole and without an ellipsis; the body lists the steps and verdicts.
    expect(proposed.split('\n')[0]).toBe('Print the answer');
    expect(proposed).not.toContain('…');
    expect(proposed).toContain('Step 1 (attempt 1');
    expect(proposed).toContain('exit 0 · PASS');
    await expectAccessible(page, 'merge dialog (light)');
    await screenshot(page, 'merge-message');
    await message.fill(`Print the answer (42)\n\n${proposed.split('\n').slice(2).join('\n')}`);
    await dialog.getByRole('button', { name: 'Squash and merge' }).click();
    await expect.poll(() => page.locator('[data-outcome]').getAttribute('class'), { timeout: 60_000 }).toContain('success');
    expect(git(repo, 'log', '-1', '--format=%s', 'main').trim()).toBe('Print the answer (42)');
    expect(git(repo, 'log', '-1', '--format=%b', 'main')).toContain('exit 0 · PASS');

    // After the merge: remove the worktree and the branch (the work is in main).
    await page.getByRole('button', { name: 'Remove worktree and branch…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => fs.existsSync(worktree), { timeout: 60_000 }).toBe(false);
    await expect.poll(() => git(repo, 'branch', '--list', branch).trim(), { timeout: 60_000 }).toBe('');
    // Cleaned up after a merge (still "Merged", not "Discarded"): no merge prediction is shown.
    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('Merged and cleaned up');
    expect(await page.locator('.session-header .badge[data-label]').first().getAttribute('data-label')).toBe('Merged');
    expect(await page.locator('[data-conflicts]').count()).toBe(0);
    await screenshot(page, 'merged-and-removed');
    expect(errors).toEqual([]);
  });
});

describe('a tab whose host restarted', () => {
  it('says the address is no longer served instead of reconnecting forever', async () => {
    const { page } = await ui.open('sessions');
    await page.locator('.session-row').first().waitFor({ timeout: 60_000 });
    const fresh = await ui.restart();
    const banner = page.locator('[data-connection="ended"]');
    await banner.waitFor({ timeout: 60_000 });
    expect(await banner.getAttribute('data-code')).toBe('TOKEN_REJECTED');
    expect(await banner.textContent()).toBe('This address is no longer served — open the new address printed by mlx-factory ui.');
    expect(await banner.locator('code').textContent()).toBe('mlx-factory ui');
    await screenshot(page, 'stale-address');
    // The new address works.
    expect(fresh).not.toBe(page.url().split('#')[0]);
    const again = await ui.open('sessions');
    await again.page.locator('.session-row').first().waitFor({ timeout: 60_000 });
    expect(await again.page.locator('[data-connection]').count()).toBe(0);
  });
});
