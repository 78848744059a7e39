import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * Issue #20, items 4 and 5, in a browser (no native folder picker): New session picks its folder
 * by browsing the host's folders through the API (links and hidden folders left out) and from the
 * recent repositories; the Task is not flagged while the path is being chosen. Open in… on a
 * machine with no editor and no terminal says so per target, and a file manager that is there
 * opens the worktree. The `mlx-factory ui` runs with a PATH whose own bin comes first: a recording
 * xdg-open, and a failing stub for any editor or terminal this machine happens to have.
 */

const PROGRAM = 'print("browsed")\n';
const SCRIPT: Script = {
  coder: [{ content: `main.py\n\`\`\`python\n${PROGRAM}\`\`\`\n`, tokensPerSecond: 400 }],
  sheriff: [{ content: 'It prints.\n\nVERDICT: PASS', tokensPerSecond: 400 }],
};
const NOT_HERE = new Set([
  'x-terminal-emulator',
  'gnome-terminal',
  'konsole',
  'xfce4-terminal',
  'kitty',
  'alacritty',
  'wezterm',
  'foot',
  'xterm',
  'code',
  'codium',
  'cursor',
  'zed',
  'subl',
  'xdg-open',
  'gio',
]);

let ui: UiHarness;
let page: Page;
let errors: string[];
let userHome: string;
let opened: string;

/**
 * PATH for `mlx-factory ui`: our bin first, then this machine's. The checks' sandbox must still find
 * python3 on the real PATH, so nothing is taken away: an editor or terminal this machine does have
 * is shadowed by a stub in our bin that fails at once as a missing program would (exit 127).
 */
function pathShadowing(fakeBin: string): string {
  const real = (process.env['PATH'] ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const name of NOT_HERE) {
    if (name === 'xdg-open' || !real.some((dir) => fs.existsSync(path.join(dir, name)))) continue;
    fs.writeFileSync(path.join(fakeBin, name), '#!/bin/sh\nexit 127\n', { mode: 0o755 });
  }
  return [fakeBin, ...real].join(path.delimiter);
}

beforeAll(async () => {
  userHome = path.join(makeTempDir('mlxf-home-'), 'me');
  makeRepo({ dir: path.join(userHome, 'projects', 'alpha') });
  makeRepo({ dir: path.join(userHome, 'projects', 'beta') });
  fs.mkdirSync(path.join(userHome, 'projects', 'notes'));
  fs.mkdirSync(path.join(userHome, '.hidden-stuff'));
  fs.symlinkSync('/', path.join(userHome, 'link-to-root'));
  const gitconfig = path.join(process.env['HOME'] ?? '/nonexistent', '.gitconfig');
  if (fs.existsSync(gitconfig)) fs.copyFileSync(gitconfig, path.join(userHome, '.gitconfig'));
  const fakeBin = path.join(makeTempDir('mlxf-fakebin-'), 'bin');
  fs.mkdirSync(fakeBin, { recursive: true });
  opened = path.join(fakeBin, 'opened.txt');
  fs.writeFileSync(path.join(fakeBin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
  ui = await startUi({ script: SCRIPT, env: { HOME: userHome, PATH: pathShadowing(fakeBin) } });
  ({ page, errors } = await ui.open('sessions'));
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

const dialog = (): ReturnType<Page['getByRole']> => page.getByRole('dialog', { name: 'New session' });

describe('New session in a browser', () => {
  it('picks the folder by browsing the host’s folders, and the session passes', async () => {
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    await dialog().getByRole('button', { name: 'Browse…' }).click();
    const browser = dialog().getByRole('group', { name: 'Browse folders' });
    await expect.poll(() => browser.locator('.folder-browser-path bdi').textContent(), { timeout: 60_000 }).toBe(userHome);
    await browser.locator('[data-folder="projects"]').waitFor();
    // Hidden folders and links are not offered.
    expect(await browser.locator('[data-folder]').evaluateAll((els) => els.map((e) => e.getAttribute('data-folder')))).toEqual([
      'projects',
    ]);
    // The Task (focused first) is not flagged while the folder is being chosen.
    expect(await dialog().locator('[data-field-error="description"]').count()).toBe(0);
    await browser.locator('[data-folder="projects"]').click();
    await browser.locator('[data-folder="alpha"]').waitFor({ timeout: 60_000 });
    expect(await browser.locator('[data-folder="alpha"] .badge').textContent()).toBe('git');
    expect(await browser.locator('[data-folder="notes"] .badge').count()).toBe(0);
    await screenshot(page, 'new-session-browse');
    await browser.locator('[data-folder="alpha"]').click();
    await expect
      .poll(() => browser.locator('.folder-browser-path').textContent(), { timeout: 60_000 })
      .toBe(path.join(userHome, 'projects', 'alpha'));
    await browser.getByRole('button', { name: 'Use this folder' }).click();
    expect(await page.locator('#ns-folder').inputValue()).toBe(path.join(userHome, 'projects', 'alpha'));
    await dialog().locator('.repo-summary').waitFor({ timeout: 60_000 });
    expect(await dialog().locator('[data-field-error="description"]').count()).toBe(0);
    await page.locator('#ns-task').fill('Write main.py that prints browsed.');
    await page.locator('#ns-check').fill('python3 main.py');
    await dialog().getByRole('button', { name: 'Start session' }).click();
    await page
      .locator('.finished-row[data-outcome="passed"]')
      .waitFor({ timeout: 90_000 })
      .catch(async (error: unknown) => {
        await screenshot(page, 'new-session-browse-not-passed');
        const listed = await ui.api().request('sessions.list', {});
        throw new Error(`${String(error)}\n${JSON.stringify(listed).slice(0, 3000)}\n${ui.output().slice(-3000)}`);
      });
    expect(errors).toEqual([]);
  });

  it('offers the recent repositories and starts from the open session’s repository', async () => {
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    const alpha = path.join(userHome, 'projects', 'alpha');
    expect(await page.locator('#ns-folder').inputValue()).toBe(alpha);
    await page.locator('#ns-folder').fill('');
    const recent = dialog().locator(`[data-recent-repo="${alpha}"]`);
    await recent.waitFor({ timeout: 60_000 });
    expect(await recent.textContent()).toBe('alpha');
    await screenshot(page, 'new-session-recent');
    await recent.click();
    expect(await page.locator('#ns-folder').inputValue()).toBe(alpha);
    await dialog().getByRole('button', { name: 'Cancel' }).click();
  });
});

describe('Open in…', () => {
  async function openIn(target: 'editor' | 'terminal' | 'files'): Promise<void> {
    await page.getByRole('button', { name: 'Open in…' }).click();
    await page.locator(`[data-open-target="${target}"]`).click();
  }

  it('says which editor and terminal are missing, and opens the worktree in the file manager that is there', async () => {
    await openIn('editor');
    const alert = page.locator('.toast[role="alert"]').last();
    await expect.poll(() => alert.textContent(), { timeout: 60_000 }).toContain('No editor found (looked for code');
    expect(await alert.textContent()).toContain('Set "Editor command" in Settings');
    await screenshot(page, 'open-in-no-editor');
    await openIn('terminal');
    await expect
      .poll(() => page.locator('.toast[role="alert"]').last().textContent(), { timeout: 60_000 })
      .toContain('No terminal found (looked for x-terminal-emulator, gnome-terminal');
    expect(await page.locator('.toast[role="alert"]').last().textContent()).not.toContain('Editor command');
    await screenshot(page, 'open-in-no-terminal');
    await openIn('files');
    await expect
      .poll(() => page.locator('.toast[role="status"]').last().textContent(), { timeout: 60_000 })
      .toContain('Opened the worktree in xdg-open');
    const worktree = fs.readFileSync(opened, 'utf8');
    expect(worktree).toContain(path.join(ui.home));
    expect(fs.existsSync(path.join(worktree, 'main.py'))).toBe(true);
    expect(errors).toEqual([]);
  });
});
