import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * Per-file and per-hunk review, and stash-and-merge, in Chromium against the real core (#21 parts 3
 * and 4): revert one hunk → a new step "Reverted …", the diff without that hunk, rolling back brings
 * it back; a Viewed mark clears when its file changes; a merge blocked by the user's uncommitted
 * changes offers "Stash and merge", asks first, and puts the changes back after merging.
 */
const BASE = Array.from({ length: 12 }, (_, i) => `v${i + 1} = ${i + 1}\n`).join('');
const EDITED = BASE.replace('v2 = 2\n', 'v2 = 20\n').replace('v10 = 10\n', 'v10 = 100\n');
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
const SCRIPT: Script = {
  coder: [{ content: `Here it is.\n\n${fence('main.py', EDITED)}`, times: 10 }],
  sheriff: [{ content: 'Fine.\n\nVERDICT: PASS', times: 10 }],
};

let ui: UiHarness;

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT });
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

async function startAndWait(description: string, repo: string): Promise<{ id: string; worktree: string; branch: string }> {
  const api = ui.api();
  const started = await api.request('sessions.start', { description, repo, check: 'python3 main.py', maxAttempts: 1 });
  if (!started.ok) throw new Error(started.error.message);
  for (let i = 0; i < 600; i++) {
    const shown = await api.request('sessions.show', { id: started.data.id });
    if (shown.ok && !shown.data.session.live && shown.data.session.state !== 'running')
      return { id: started.data.id, worktree: shown.data.session.worktree, branch: shown.data.session.branch };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`session ${started.data.id} did not finish`);
}

describe('per-hunk review', () => {
  it('revert one hunk → a new step and the diff without it; Viewed clears when the file changes; roll back restores the hunk', async () => {
    const repo = makeRepo({ files: { 'main.py': BASE } });
    const { id, worktree, branch } = await startAndWait('Change v2 and v10.', repo);
    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 800 });
    const bar = page.locator('[data-file-review="main.py"]');
    await bar.locator('[data-hunk="1"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => bar.locator('.hunk-chip').count(), { timeout: 60_000 }).toBe(2);
    const count = page.locator('.viewed-count');
    expect(await count.textContent()).toBe('0 of 1 viewed');
    // A controlled checkbox: it turns on when the host has recorded the mark.
    await bar.getByRole('checkbox', { name: 'Viewed' }).click();
    await page.locator('.viewed-count[data-viewed-count="1"]').waitFor();
    expect(await count.textContent()).toBe('1 of 1 viewed');

    await bar.locator('[data-hunk="1"]').getByRole('button', { name: 'Revert' }).click();
    const step2 = page.locator('.timeline-item[data-step="2"]');
    await step2.waitFor({ timeout: 60_000 });
    expect(await step2.locator('[data-step-label]').textContent()).toContain('Reverted main.py, line 10');
    await bar.locator('.hunk-chip').nth(1).waitFor({ state: 'detached' });
    await expect.poll(() => bar.locator('.hunk-chip').count(), { timeout: 60_000 }).toBe(1);
    // The file changed again: its Viewed mark no longer counts.
    await page.locator('.viewed-count[data-viewed-count="0"]').waitFor();
    expect(await bar.getByRole('checkbox', { name: 'Viewed' }).isChecked()).toBe(false);
    expect(await page.locator('.file-row[data-path="main.py"]').getAttribute('data-viewed')).toBe('false');
    const reverted = BASE.replace('v2 = 2\n', 'v2 = 20\n');
    expect(fs.readFileSync(path.join(worktree, 'main.py'), 'utf8')).toBe(reverted);
    expect(git(repo, 'log', '-1', '--format=%s', branch).trim()).toBe('Reverted main.py, line 10');
    await screenshot(page, 'hunk-review-reverted');

    await page.locator('.timeline-item[data-step="1"]').getByRole('button', { name: 'Roll back to here' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Roll back' }).click();
    await bar.locator('[data-hunk="1"]').waitFor({ timeout: 60_000 });
    expect(fs.readFileSync(path.join(worktree, 'main.py'), 'utf8')).toBe(EDITED);
    expect(await page.locator('.timeline-item[data-step="2"]').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 300_000);

  it('a merge blocked by uncommitted changes offers "Stash and merge", asks first, merges and puts the changes back', async () => {
    const repo = makeRepo({ files: { 'main.py': BASE } });
    const { id } = await startAndWait('Change v2 and v10.', repo);
    const mine = BASE.replace('v12 = 12\n', 'v12 = 12  # mine, not committed\n');
    fs.writeFileSync(path.join(repo, 'main.py'), mine);
    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 800 });
    const offer = page.locator('[data-blocked-by]').getByRole('button', { name: 'Stash and merge' });
    await offer.waitFor({ timeout: 60_000 });
    await screenshot(page, 'stash-and-merge-offer');
    await offer.click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.textContent()).toContain('refs/factory/stash/');
    await screenshot(page, 'stash-and-merge-confirm');
    await dialog.getByRole('button', { name: 'Stash and merge' }).click();
    const outcome = page.locator('[data-outcome]');
    await outcome.waitFor({ timeout: 60_000 });
    expect(await outcome.textContent()).toContain('are back in');
    const merged = fs.readFileSync(path.join(repo, 'main.py'), 'utf8');
    expect(merged).toContain('v2 = 20');
    expect(merged).toContain('# mine, not committed');
    expect(git(repo, 'show', 'main:main.py')).not.toContain('mine');
    expect(git(repo, 'for-each-ref', 'refs/factory/stash/').trim()).toBe('');
    expect(errors).toEqual([]);
  }, 300_000);
});
