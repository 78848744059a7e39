import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * Best of K in the UI, against the real host and git: "Parallel attempts" in New session starts a
 * group of three siblings; the scripted model answers each by the temperature it asks, and only the
 * third sibling's reply is right. The list shows the group's line over its siblings; the session view
 * compares them and links each one's diff; merging the winner offers to discard the others.
 */
// The winner answers only after sibling 1's Sheriff turn has begun, so sibling 1's check has ended (exit 1) by then.
const RIGHT = {
  content: 'calc.py\n```python\ndef add(a, b):\n    return a + b\n```\n',
  tokensPerSecond: 400,
  afterRequests: { persona: 'sheriff' as const, count: 1 },
};
const WRONG = { content: 'calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n', tokensPerSecond: 400 };
const HANG = { content: '', fault: 'hang' as const };
const SCRIPT: Script = {
  routes: [
    { match: { temperature: 0 }, coder: [WRONG, HANG], sheriff: [{ content: 'It subtracts.\n\nVERDICT: FAIL' }] },
    { match: { temperature: 0.3 }, coder: [HANG] },
    { match: { temperature: 0.8 }, coder: [RIGHT], sheriff: [{ content: 'It adds; the check passed.\n\nVERDICT: PASS' }] },
  ],
};

let ui: UiHarness;
let repo: string;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT });
  repo = makeRepo({ files: { 'calc.py': 'def add(a, b):\n    raise NotImplementedError\n', 'README.md': '# calc\n' } });
  ({ page, errors } = await ui.open('sessions', { width: 1280, height: 820 }));
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('best of K in the UI', () => {
  it('starts three siblings from New session; the group, the comparison and the winner’s merge', async () => {
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    const sheet = page.getByRole('dialog', { name: 'New session' });
    await expect.poll(() => sheet.isVisible()).toBe(true);
    await page.locator('#ns-folder').fill(repo);
    await page.locator('#ns-task').fill('Make add() return the sum of its arguments.');
    await page.locator('#ns-check').fill('python3 -c "from calc import add; assert add(2, 3) == 5"');
    await page.locator('#ns-best-of').fill('3');
    await screenshot(page, 'best-of-new-session');
    await sheet.getByRole('button', { name: 'Start session' }).click();

    // The group's line over its three siblings; the third one wins, the others are stopped.
    const groupRow = page.locator('.group-row');
    await expect.poll(() => groupRow.textContent(), { timeout: 60_000 }).toContain('Winner found');
    expect(await groupRow.textContent()).toContain('Best of 3');
    await expect.poll(() => page.locator('.session-row.sibling').count(), { timeout: 60_000 }).toBe(3);
    await expect
      .poll(() => page.locator('.session-row.sibling .badge').allTextContents(), { timeout: 60_000 })
      .toEqual(['Cancelled', 'Cancelled', 'Passed']);
    await groupRow.getByRole('button', { name: /winner #3/ }).click();

    // The comparison: state, attempts, tokens, diff size, check, for every sibling.
    const table = page.locator('.sibling-table');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 60_000 }).toBe(3);
    await expect.poll(() => table.locator('tr[aria-current="true"]').textContent(), { timeout: 60_000 }).toContain('exit 0');
    await expect.poll(() => table.locator('tr[aria-current="true"]').textContent(), { timeout: 60_000 }).toMatch(/1 file \+1 −1/);
    expect(await table.locator('tbody tr').first().textContent()).toContain('exit 1');
    await screenshot(page, 'best-of-compare');

    // Merge the winner (the host's merge, as the Changes tab's button calls it): the repo on disk has its code …
    const winner = decodeURIComponent(/#sessions\/([^/]+)/.exec(page.url())?.[1] ?? '');
    const api = ui.api();
    try {
      const merged = await api.request('sessions.merge', { id: winner, squash: true });
      expect(merged.ok).toBe(true);
    } finally {
      api.close();
    }
    expect(git(repo, 'show', 'main:calc.py')).toContain('return a + b');
    expect(fs.readFileSync(path.join(repo, 'calc.py'), 'utf8')).toContain('return a + b');

    // … and the view offers to discard the two others.
    const offer = page.locator('[data-discard-siblings]');
    await expect.poll(() => offer.textContent(), { timeout: 60_000 }).toBe('Discard 2…');
    await screenshot(page, 'best-of-merged-offer');
    await offer.click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Discard 2' }).click();
    await expect
      .poll(() => page.locator('.session-row.sibling .badge').allTextContents(), { timeout: 60_000 })
      .toEqual(['Discarded', 'Discarded', 'Merged']);
    await screenshot(page, 'best-of-after-discard');
    expect(errors).toEqual([]);
  }, 240_000);
});
