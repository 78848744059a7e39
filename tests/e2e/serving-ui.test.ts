import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { supervisedServerConfig } from '../support/supervised-python.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * #17 in the app (parts 3 and 4): the host's sessions share one scheduler with memory admission, so
 * a turn held back for memory says "waiting for memory" in the session list and its header; the
 * Memory view shows the model server's prompt cache and each running session's estimated part of
 * it; the Models view offers the draft model beside the recommended models of its tokenizer family.
 * The app's own supervisor runs the scripted server as its mlx_lm.server (its log carries the
 * `Prompt Cache:` line as the real one does); the memory floor is set far above this machine's
 * memory, so every turn beside a running one waits for memory.
 */
let ui: UiHarness;

const CODER = `${'Writing the program now. '.repeat(6)}\nmain.py\n\`\`\`python\nprint('ok')\n\`\`\`\n`;

beforeAll(async () => {
  const supervised = await supervisedServerConfig(
    {
      coder: [{ content: CODER, tokensPerSecond: 12 }],
      // A slow Sheriff: its session runs on (and holds its part of the cache) while the view is looked at.
      sheriff: [{ content: `${'It prints ok, as asked. '.repeat(5)}\nVERDICT: PASS`, tokensPerSecond: 6 }],
    },
    { llm_concurrency: 2 },
  );
  const server = supervised['server'] as Record<string, unknown>;
  ui = await startUi({
    config: { server: { ...server, memory_floor_gb: 100_000 }, agent: supervised['agent'] as Record<string, unknown> },
  });
}, 180_000);

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

async function visible(page: Page, selector: string, timeout = 120_000): Promise<void> {
  await page.locator(selector).first().waitFor({ state: 'visible', timeout });
}

it('shows "waiting for memory", the prompt cache per running session, and the draft model offer', async () => {
  const api = ui.api();
  const ids: string[] = [];
  for (const name of ['alpha', 'beta']) {
    const repo = makeRepo({ files: { 'README.md': `# ${name}\n` } });
    const started = await api.request('sessions.start', {
      description: `Task ${name}: print ok`,
      repo,
      check: 'python3 main.py',
      maxAttempts: 1,
    });
    if (!started.ok) throw new Error(started.error.message);
    ids.push(started.data.id);
  }

  // The list marks the session whose turn waits for memory; its header says why, in plain words.
  const { page: list, errors } = await ui.open('sessions', { width: 1280, height: 820 });
  await visible(list, '.session-row [data-waiting-for="memory"]');
  const heldId = await list.locator('.session-row:has([data-waiting-for="memory"])').first().getAttribute('data-session');
  expect(ids).toContain(heldId);
  await screenshot(list, 'serving-list-waiting-for-memory');
  const { page: session } = await ui.open(`sessions/${encodeURIComponent(heldId ?? '')}`, { width: 1280, height: 820 });
  // (It may have been admitted meanwhile — the floor holds every turn beside a running one, so it waits again.)
  await visible(session, '.session-header [data-waiting-for="memory"]');
  expect(await session.locator('.session-header [data-waiting-for="memory"]').textContent()).toMatch(
    /waiting for memory, so the Mac does not swap: .* free; one more turn beside 1 running may take/,
  );
  await screenshot(session, 'serving-header-waiting-for-memory');

  // The Memory view: the server's prompt cache as it logged it, and a running session's estimated part.
  const { page: memory } = await ui.open('memory', { width: 1280, height: 900 });
  await visible(memory, '.prompt-cache-card [data-cache-session]');
  const card = (await memory.locator('.prompt-cache-card').textContent()) ?? '';
  expect(card).toContain('Prompt cache of the model server');
  expect(card).toMatch(/Task (alpha|beta): print ok/);
  expect(card).toContain('Estimates: the server does not say which cached prefix belongs to which session');
  await memory.locator('.prompt-cache-card').scrollIntoViewIfNeeded();
  await screenshot(memory, 'serving-memory-prompt-cache');

  // The Models view offers Qwen2.5-Coder 0.5B as the draft of the 7B (same tokenizer), with what it does.
  const { page: models } = await ui.open('models', { width: 1280, height: 900 });
  const offer = models.locator('tr[data-model="mlx-community/Qwen2.5-Coder-7B-Instruct-4bit"] .draft-offer');
  await offer.waitFor({ timeout: 60_000 });
  expect(await offer.textContent()).toContain('mlx-community/Qwen2.5-Coder-0.5B-Instruct-4bit');
  expect(await offer.textContent()).toContain('with several, the server runs without it');
  expect(await models.locator('tr[data-model="mlx-community/Qwen2.5-Coder-1.5B-Instruct-4bit"] .draft-offer').count()).toBe(0);
  await offer.scrollIntoViewIfNeeded();
  await screenshot(models, 'serving-models-draft-offer');

  for (const id of ids) expect(await ui.waitForEnd(id, 180_000)).toBe('passed');
  expect(errors).toEqual([]);
}, 400_000);
