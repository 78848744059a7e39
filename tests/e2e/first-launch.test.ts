import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { startStandInHub, type StandInHub } from '../support/stand-in-hub.js';
import { freePort } from '../support/free-port.js';
import { testDeps } from '../support/test-deps.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * From first launch to first merge, as a new user: a fresh home whose configured model is not on
 * this machine → the Server view offers the download → the Models view pulls the tiny model from
 * the stand-in Hub with a progress bar → the app's own mlx_lm.server starts on it from the hub
 * cache → Settings switches to an OpenAI-compatible server at a URL (the scripted server) → a
 * session passes on it → merge, checked on disk. Real `mlx-factory ui`, real Chromium, real
 * huggingface_hub and mlx_lm in the test venv.
 */

const REPO_ID = 'mlx-community/tiny-test-model';
const PROGRAM = 'print("hello from the first session")\n';
const SCRIPT: Script = {
  coder: [{ content: `main.py\n\`\`\`python\n${PROGRAM}\`\`\`\n`, tokensPerSecond: 200 }],
  sheriff: [{ content: 'It prints the greeting.\n\nVERDICT: PASS', tokensPerSecond: 400 }],
};

let hub: StandInHub;
let ui: UiHarness;
let page: Page;
let errors: string[];
let cache: string;

async function text(selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

beforeAll(async () => {
  const deps = testDeps();
  // The tiny model plus 8 MB of extra weights-like bytes served at 3 MB/s: the bar has ~3 s to move.
  const served = fs.mkdtempSync(path.join(os.tmpdir(), 'first-launch-repo-'));
  fs.cpSync(deps.model, served, { recursive: true });
  fs.writeFileSync(path.join(served, 'extra-weights.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
  hub = await startStandInHub({ [REPO_ID]: { dir: served, faults: { 'extra-weights.bin': { bytesPerSecond: 3 * 1024 * 1024 } } } });
  // A fresh Hugging Face home: nothing downloaded, no token.
  const hfHome = fs.mkdtempSync(path.join(os.tmpdir(), 'first-launch-hf-'));
  cache = path.join(hfHome, 'hub');
  ui = await startUi({
    script: SCRIPT,
    config: { server: { model: REPO_ID, python: deps.python, port: await freePort() }, agent: { max_attempts: 2 } },
    env: { HF_ENDPOINT: hub.url, HF_HOME: hfHome, HF_HUB_CACHE: cache, HF_TOKEN: '', HF_HUB_OFFLINE: '' },
  });
  ({ page, errors } = await ui.open('server'));
});

afterAll(async () => {
  await ui?.stop();
  await hub?.close();
  removeTempDirs();
});

describe('first launch to first merge', () => {
  it('starting the server for a model that is not here offers the download', async () => {
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(() => text('.inline-error'), { timeout: 60_000 }).toContain(`${REPO_ID} is not downloaded`);
    expect(await text('.inline-error')).toContain(`mlx-factory models pull ${REPO_ID}`);
    const offer = page.getByRole('button', { name: `Download ${REPO_ID}` });
    await offer.waitFor();
    await screenshot(page, 'first-launch-server-offers-download');
    await offer.click();
    await expect.poll(() => page.url()).toMatch(/#models$/);
  });

  it('pulls the tiny model from the stand-in Hub with a progress bar, then lists it on disk', async () => {
    const row = page.locator(`tr[data-model="${REPO_ID}"]`);
    await row.waitFor({ timeout: 60_000 });
    // The bar moves while the bytes arrive: a value between 0 and 100 with bytes, rate and time left.
    const bar = row.getByRole('progressbar');
    let seen = { now: 0, meta: '' };
    const deadline = Date.now() + 60_000;
    while (!(seen.now > 0 && seen.now < 100 && /\/s/.test(seen.meta) && /left/.test(seen.meta))) {
      if (Date.now() > deadline) throw new Error(`no moving progress bar; last seen ${JSON.stringify(seen)}`);
      const now = Number((await bar.getAttribute('aria-valuenow', { timeout: 200 }).catch(() => null)) ?? 0);
      const meta =
        (await row
          .locator('.pull-meta')
          .textContent({ timeout: 200 })
          .catch(() => null)) ?? '';
      seen = { now, meta };
      if (seen.now > 0 && seen.now < 100 && /\/s/.test(meta) && /left/.test(meta)) await screenshot(page, 'first-launch-pull-progress');
      else await new Promise((r) => setTimeout(r, 40));
    }
    expect(seen.meta).toMatch(/^Downloading\d+% · \d+ [KM]B of 8 MB[\d.]+ [KM]B\/s[\d.]+ (ms|s) left\d\/7 files$/);
    // Overall bytes across all files; the column says "This machine" off a Mac.
    expect(await page.locator('.models-table th').nth(2).textContent()).toBe(process.platform === 'darwin' ? 'This Mac' : 'This machine');
    // Cancel mid-download, then resume from what is on disk.
    await row.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => row.locator('.pull-progress').getAttribute('data-phase'), { timeout: 60_000 }).toBe('cancelled');
    await screenshot(page, 'first-launch-pull-cancelled');
    await row.getByRole('button', { name: 'Resume download' }).click();
    await expect
      .poll(() => row.locator('[data-pull-done]').textContent(), { timeout: 60_000, interval: 100 })
      .toContain('Downloaded and verified');
    // Then it is verified and listed on disk, with its size.
    await expect.poll(() => row.locator('td').nth(3).textContent(), { timeout: 60_000, interval: 100 }).toBe('8 MB');
    expect(await row.locator('.pull-progress').count()).toBe(0);
    expect(await row.locator('.badge.fit').textContent()).toBe('Fits');
    await screenshot(page, 'first-launch-model-downloaded');
    // It landed in the hub cache's own layout.
    const snapshots = path.join(cache, 'models--mlx-community--tiny-test-model', 'snapshots', hub.commitOf(REPO_ID));
    expect(fs.readFileSync(path.join(snapshots, 'config.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(testDeps().model, 'config.json'), 'utf8'),
    );
    expect(fs.statSync(path.join(snapshots, 'extra-weights.bin')).size).toBe(8 * 1024 * 1024);
    expect(hub.requests.some((r) => r.method === 'GET' && r.path.startsWith('/cdn/'))).toBe(true);
  });

  it('starts the app’s own MLX server on it', async () => {
    const row = page.locator(`tr[data-model="${REPO_ID}"]`);
    await row.getByRole('button', { name: 'Start server' }).click();
    await expect.poll(() => page.url()).toMatch(/#server$/);
    await expect
      .poll(() => page.locator('.server-card [data-server-state]').first().getAttribute('data-server-state'), {
        timeout: 120_000,
        interval: 250,
      })
      .toBe('ready');
    expect(await text('.server-card .kv')).toContain(REPO_ID);
    await screenshot(page, 'first-launch-server-ready');
  });

  it('switches to an OpenAI-compatible server at a URL in Settings, applied at once', async () => {
    await page.getByRole('button', { name: /^Settings/ }).click();
    await page.getByRole('radio', { name: 'An OpenAI-compatible server at a URL' }).click();
    await page.locator('#setting-server\\.url').fill(ui.model.url);
    await screenshot(page, 'first-launch-settings-url');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.saved-note').isVisible(), { timeout: 60_000 }).toBe(true);
    // The sidebar shows the new server state without a restart.
    await expect.poll(() => text('.sidebar-server'), { timeout: 60_000 }).toContain('Ready (external)');
    await page
      .getByRole('button', { name: /^Server/ })
      .first()
      .click();
    await expect.poll(() => text('.server-card .kv'), { timeout: 60_000 }).toContain(ui.model.url);
    await screenshot(page, 'first-launch-server-external');
  });

  it('runs a session on it that passes, and merges it', async () => {
    const repo = makeRepo({ files: { 'README.md': '# first\n' } });
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    await page.locator('#ns-folder').fill(repo);
    await page.locator('#ns-task').fill('Write main.py that prints a greeting.');
    await page.locator('#ns-check').fill('python3 main.py');
    await page.getByRole('dialog', { name: 'New session' }).getByRole('button', { name: 'Start session' }).click();
    await page.locator('.finished-row[data-outcome="passed"]').waitFor({ timeout: 60_000 });
    await screenshot(page, 'first-launch-session-passed');
    await page.getByRole('tab', { name: /Changes/ }).click();
    await expect.poll(() => text('[data-merge-headline]'), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Squash and merge' }).click();
    await expect.poll(() => page.locator('[data-outcome]').getAttribute('class'), { timeout: 60_000 }).toContain('success');
    await screenshot(page, 'first-launch-merged');
    expect(git(repo, 'show', 'main:main.py')).toBe(PROGRAM);
    expect(errors).toEqual([]);
  });
});
