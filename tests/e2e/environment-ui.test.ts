import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs, snapshotCheckout, writeFiles } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * Issue #22 in the app, against the real host, git and sandbox: a Node project made here (no
 * registry) whose test needs `left-pad` from its git-ignored node_modules. New session says how the
 * checks will get it ("node_modules from your checkout (read-only)"); the user changes it to the
 * install and back (each pick is remembered for the repository, with the trust record); the session
 * starts, passes, and its list row and view show the environment and the preflight result.
 */
const SCRIPT: Script = {
  coder: [{ content: "pad.js\n```javascript\nmodule.exports = (s) => String(s).padStart(3, '0');\n```\n" }],
  sheriff: [{ content: 'The check passed.\n\nVERDICT: PASS' }],
};

let ui: UiHarness;
let repo: string;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT });
  repo = makeRepo({
    files: {
      '.gitignore': 'node_modules/\n',
      'package.json': JSON.stringify({ name: 'demo', version: '1.0.0', dependencies: { 'left-pad': '1.0.0' } }, null, 2),
      'package-lock.json': JSON.stringify({ name: 'demo', lockfileVersion: 3, packages: {} }, null, 2),
      'test.js':
        "const leftPad = require('left-pad');\nconst pad = require('./pad');\nif (pad('7') !== leftPad('7', 3, '0')) { console.error('wrong'); process.exit(1); }\nconsole.log('ok');\n",
    },
  });
  writeFiles(path.join(repo, 'node_modules', 'left-pad'), {
    'package.json': JSON.stringify({ name: 'left-pad', version: '1.0.0', main: 'index.js' }),
    'index.js': 'module.exports = (s, n, c) => String(s).padStart(n, c);\n',
  });
  ({ page, errors } = await ui.open('sessions', { width: 1280, height: 860 }));
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

/** The repository's remembered dependency mode, as the host keeps it beside the trust record. */
function remembered(): string | undefined {
  const file = path.join(ui.home, 'trusted-projects.json');
  if (!fs.existsSync(file)) return undefined;
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> }).dependencies?.[repo];
}

describe('the environment in New session, the list and the session view', () => {
  it('shows the line for the chosen folder, changes it, starts, and the session passes with the checkout’s node_modules', async () => {
    const before = snapshotCheckout(repo);
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    const sheet = page.getByRole('dialog', { name: 'New session' });
    await expect.poll(() => sheet.isVisible()).toBe(true);
    await page.locator('#ns-folder').fill(repo);
    const line = sheet.locator('.environment-line');
    await expect.poll(() => line.textContent(), { timeout: 60_000 }).toContain('Environment: node_modules from your checkout (read-only)');
    // node_modules is a name, not markup.
    expect(await line.locator('code, em').count()).toBe(0);

    // Change it: the install, its command in <code>; the pick is remembered for the repository.
    await sheet.getByRole('button', { name: 'Change…' }).click();
    const choices = sheet.getByRole('radiogroup', { name: 'How checks get the dependencies' });
    await expect.poll(() => choices.getByRole('radio').count(), { timeout: 60_000 }).toBe(3);
    expect(await choices.getByRole('radio', { checked: true }).getAttribute('value')).toBe('mine');
    await choices.locator('input[value="install"]').click();
    await expect.poll(() => line.textContent(), { timeout: 60_000 }).toContain('Environment: install with npm ci --no-audit --no-fund');
    expect(await line.locator('code').allTextContents()).toEqual(['npm ci --no-audit --no-fund']);
    expect(remembered()).toBe('install');
    await page.locator('#ns-task').fill('Add pad.js: pad(s) pads s to three characters with zeros, as left-pad does.');
    await page.locator('#ns-check').fill('node test.js');
    await screenshot(page, 'environment-new-session-install');

    // … and back to the checkout's folder, which this check needs (there is no registry here).
    await choices.locator('input[value="mine"]').click();
    await expect.poll(() => line.textContent(), { timeout: 60_000 }).toContain('node_modules from your checkout (read-only)');
    expect(remembered()).toBe('mine');
    expect(await sheet.locator('.environment-choices').textContent()).toContain('Remembered for this repository');
    await screenshot(page, 'environment-new-session-mine');
    await sheet.getByRole('button', { name: 'Start session' }).click();

    // The list row: passed, with its environment and the preflight's outcome.
    const row = page.locator('.session-row').first();
    await expect.poll(() => row.locator('.badge').first().textContent(), { timeout: 90_000 }).toBe('Passed');
    expect(await row.locator('[data-row-environment]').getAttribute('data-row-environment')).toBe('mine');
    expect(await row.locator('[data-row-environment]').textContent()).toBe('deps: yours, read-only');
    // pad.js does not exist on the base: the check fails there the normal way, and the session went on.
    expect(await row.locator('[data-row-preflight]').getAttribute('data-row-preflight')).toBe('fails');

    // The session view: the environment line and the preflight's sentence.
    await row.click();
    const header = page.locator('.session-environment');
    await expect
      .poll(() => header.textContent(), { timeout: 60_000 })
      .toContain('Environment: node_modules from your checkout (read-only)');
    expect(await header.textContent()).toContain('Preflight: The check fails on the base (exit 1), as expected before the change.');
    await screenshot(page, 'environment-session-view');

    // The work is on the session branch; nothing of node_modules was committed; the checkout is as it was.
    const id = decodeURIComponent(/#sessions\/([^/]+)/.exec(page.url())?.[1] ?? '');
    const branch = git(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/factory/').trim();
    expect(branch).toContain(id);
    const files = git(repo, 'ls-tree', '-r', '--name-only', branch).split('\n').filter(Boolean);
    expect(files).toContain('pad.js');
    expect(files.filter((f) => f.startsWith('node_modules'))).toEqual([]);
    expect(snapshotCheckout(repo)).toEqual(before);
    expect(errors).toEqual([]);
  }, 240_000);
});
