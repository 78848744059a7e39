import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { freePort } from '../support/free-port.js';
import { testDeps } from '../support/test-deps.js';
import { machineWithoutRuntime } from './support/machine-without-runtime.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * The model is on disk but the MLX runtime is not (#20 item 2): a new user who copied a model
 * folder, on a machine with Python and no mlx-lm. Start — in the Server view and through a new
 * session — must say the runtime is missing and offer "Install the MLX runtime", never offer a
 * download of a model that is already here, and lose nothing the user typed. Real `mlx-factory
 * ui`, real Chromium, the app's real runtime discovery.
 */

let ui: UiHarness;
let page: Page;
let errors: string[];
let repo: string;

beforeAll(async () => {
  const deps = testDeps();
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'start-without-runtime-')));
  repo = makeRepo();
  ui = await startUi({
    // The real tiny model folder: on disk, so nothing to download.
    config: { server: { model: deps.model, port: await freePort() } },
    env: machineWithoutRuntime(deps.python, tmp),
  });
  ({ page, errors } = await ui.open('server'));
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('Start with the model on disk and no MLX runtime', () => {
  it('the Server view says the runtime is missing and offers to install it, not a download', async () => {
    await page.locator('.server-actions').getByRole('button', { name: 'Start', exact: true }).click();
    const error = page.locator('.inline-error[data-error-code="RUNTIME_MISSING"]');
    await error.waitFor({ timeout: 120_000 });
    expect(await error.textContent()).toBe(
      'The MLX runtime (Python with mlx-lm) is not installed, so the server cannot start: install it below.',
    );
    await expect
      .poll(() => page.locator('.server-page .runtime-install').getByRole('button', { name: 'Install the MLX runtime' }).count(), {
        timeout: 60_000,
      })
      .toBe(1);
    expect(await page.getByRole('button', { name: /^Download / }).count()).toBe(0);
    expect(await page.locator('.server-card [data-restarts]').textContent()).toBe('0');
    expect(await page.locator('.server-card dd').nth(2).textContent()).toBe('—');
    await screenshot(page, 'start-without-runtime-server');
  });

  it('a new session on it says the same, keeps the task, and offers the install', async () => {
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    const sheet = page.getByRole('dialog', { name: 'New session' });
    await expect.poll(() => sheet.isVisible()).toBe(true);
    await page.locator('#ns-folder').fill(repo);
    await page.locator('#ns-task').fill('Write main.py that prints hello.');
    await page.locator('#ns-check').fill('python3 main.py');
    await sheet.getByRole('button', { name: 'Start session' }).click();
    const error = sheet.locator('.form-error[data-error-code="RUNTIME_MISSING"]');
    await error.waitFor({ timeout: 120_000 });
    expect(await error.textContent()).toContain('The MLX runtime (Python with mlx-lm) is not installed');
    // The install is offered right there, in words: no raw markdown, no wall of tried paths.
    const offer = sheet.locator('.runtime-install[data-runtime-state="missing"]');
    await expect.poll(() => offer.getByRole('button', { name: 'Install the MLX runtime' }).count(), { timeout: 60_000 }).toBe(1);
    expect(await sheet.textContent()).not.toContain('`');
    expect(await sheet.textContent()).not.toContain('Tried:');
    // Nothing typed is lost, and no session was made.
    expect(await page.locator('#ns-task').inputValue()).toBe('Write main.py that prints hello.');
    expect(await page.locator('#ns-check').inputValue()).toBe('python3 main.py');
    expect(await page.locator('#ns-folder').inputValue()).toBe(repo);
    await screenshot(page, 'start-without-runtime-session');
    const api = ui.api();
    try {
      const list = await api.request('sessions.list', {});
      expect(list.ok && list.data.sessions.length).toBe(0);
    } finally {
      api.close();
    }
    expect(errors).toEqual([]);
  });
});
