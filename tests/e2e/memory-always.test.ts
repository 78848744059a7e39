import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * Issue #20, item 1: the Memory view never freezes. The machine and the app are sampled for the
 * app's whole life, whatever serves the model: switching Settings to a server at a URL and back
 * keeps the chart moving, the model-server line says what it can (external — not measured,
 * stopped), and the popover lets go of a server it does not own with "Disconnect".
 */

let ui: UiHarness;

beforeAll(async () => {
  ui = await startUi();
});

afterAll(async () => {
  await ui?.stop();
});

async function sampleCount(page: Page): Promise<number> {
  const text = (await page.locator('.page-header .page-sub').textContent()) ?? '';
  return Number(/^(\d+) samples$/.exec(text)?.[1] ?? 0);
}

/** The last sample time the host wrote to logs/memory-samples.jsonl. */
function lastLoggedSample(): string {
  const file = path.join(ui.home, 'logs', 'memory-samples.jsonl');
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
  const last = lines.at(-1);
  return last === undefined || last === '' ? '' : ((JSON.parse(last) as { time?: string }).time ?? '');
}

/** More samples arrive in the open memory view (and the host's log) than there were when called. */
async function expectMoving(page: Page, what: string): Promise<void> {
  const before = await sampleCount(page);
  const logged = lastLoggedSample();
  await expect.poll(() => sampleCount(page), { timeout: 60_000, message: `chart moving ${what}` }).toBeGreaterThan(before + 1);
  await expect.poll(lastLoggedSample, { timeout: 60_000, message: `log moving ${what}` }).not.toBe(logged);
}

async function saveServerMode(page: Page, radio: string, url?: string): Promise<void> {
  await page.getByRole('radio', { name: radio }).click();
  if (url !== undefined) await page.locator('#setting-server\\.url').fill(url);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.locator('.saved-note').isVisible(), { timeout: 60_000 }).toBe(true);
}

describe('the memory view never freezes', () => {
  it('keeps sampling the machine and the app while the server switches to a URL and back', async () => {
    const memory = await ui.open('memory');
    const chart = memory.page.locator('.memory-chart');
    await chart.waitFor({ timeout: 60_000 });
    await expectMoving(memory.page, 'at first');

    const settings = await ui.open('settings');
    await saveServerMode(settings.page, 'An OpenAI-compatible server at a URL', ui.model.url);
    await expect.poll(() => settings.page.locator('.sidebar-server').textContent(), { timeout: 60_000 }).toContain('Ready (external)');
    await expectMoving(memory.page, 'on the server at a URL');
    await expect
      .poll(() => memory.page.locator('[data-server-memory]').getAttribute('data-server-memory'), { timeout: 60_000 })
      .toBe('external — not measured');
    expect(await memory.page.locator('.legend').textContent()).toContain('Model server external — not measured');
    await screenshot(memory.page, 'memory-external-server');

    // The popover lets go of a server it does not own: "Disconnect", and then the line says stopped.
    const popover = await ui.open('popover', { width: 380, height: 520 });
    const disconnect = popover.page.getByRole('button', { name: 'Disconnect' });
    await disconnect.waitFor({ timeout: 60_000 });
    await screenshot(popover.page, 'popover-disconnect');
    await disconnect.click();
    await expect
      .poll(() => memory.page.locator('[data-server-memory]').getAttribute('data-server-memory'), { timeout: 60_000 })
      .toBe('stopped');
    await expectMoving(memory.page, 'with no server');
    await screenshot(memory.page, 'memory-stopped');

    await saveServerMode(settings.page, 'The app’s own MLX server');
    await expectMoving(memory.page, 'back on the app’s own server');
    expect(memory.errors).toEqual([]);
    expect(settings.errors).toEqual([]);
  }, 180_000);
});
