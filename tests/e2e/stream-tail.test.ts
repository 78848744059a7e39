import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * A streaming reply that is not the transcript's last item. A turn held back for memory logs its
 * `turn.queued` notices after `turn.started`, so while the reply streams, those notices come after
 * it. The reply must still be drawn as the live tail (appended text, not a React re-render of the
 * whole reply every frame) with the notices below it, in log order — and every token must arrive.
 * The memory floor is set far above this machine's memory, so a turn beside a running one waits.
 */
let ui: UiHarness;

/** A Coder reply long enough to watch stream: prose, then a fenced file of `rows` lines. */
function reply(name: string, rows: number): string {
  const body = Array.from({ length: rows }, (_, i) => `value_${i} = compute(${i}, "${name}")`).join('\n');
  return `Here is the module for ${name}.\n\ngen_${name}.py\n\`\`\`python\n${body}\n\`\`\`\n\nRun it with \`python3 gen_${name}.py\`.\n`;
}

beforeAll(async () => {
  ui = await startUi({
    script: {
      coder: [
        { content: reply('first', 120), tokensPerSecond: 150 },
        { content: reply('second', 120), tokensPerSecond: 150 },
      ],
      sheriff: [{ content: 'Fine.\nVERDICT: PASS' }, { content: 'Fine.\nVERDICT: PASS' }],
    },
    config: { server: { memory_floor_gb: 100_000 }, agent: { llm_concurrency: 2 } },
  });
}, 180_000);

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

type Turn = { persona: string; streamed: string; final: string | null; streaming: boolean };
const turns = (page: Page, id: string): Promise<Turn[]> =>
  page.evaluate((session) => (window as unknown as { __factoryProbe: { turns(s: string): Turn[] } }).__factoryProbe.turns(session), id);

it('draws a held turn’s reply as the live tail, with its wait notices below it, and loses no token', async () => {
  const api = ui.api();
  const ids: string[] = [];
  for (const name of ['alpha', 'beta']) {
    const repo = makeRepo({ files: { 'README.md': `# ${name}\n` } });
    const started = await api.request('sessions.start', { description: `Task ${name}`, repo, check: 'true', maxAttempts: 1 });
    if (!started.ok) throw new Error(started.error.message);
    ids.push(started.data.id);
  }
  const { page, errors } = await ui.open('sessions', { probe: true });
  await page.locator('.session-list').waitFor();

  // The session whose Coder turn waited for memory while its reply streams: a notice after the turn,
  // drawn below the tail (the page stays on it).
  let held = '';
  await expect
    .poll(
      async () => {
        for (const id of ids) {
          await page.evaluate((s) => (window.location.hash = `#sessions/${encodeURIComponent(s)}`), id);
          await page.locator('.session-view').waitFor();
          if ((await page.locator('.transcript-after .transcript-row').count()) > 0) {
            held = id;
            return true;
          }
        }
        return false;
      },
      { timeout: 120_000, interval: 250 },
    )
    .toBe(true);

  // While it streams: the reply's open end is the tail, and the notices sit below it, in order.
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const tail = document.querySelector('.stream-tail');
          const after = document.querySelector('.transcript-after');
          if (tail === null || after === null || (tail.textContent ?? '') === '') return 'not yet';
          const below = (tail.compareDocumentPosition(after) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
          return below && (after.textContent ?? '').includes('Waiting for memory') ? 'tail above the notices' : 'wrong order';
        }),
      { timeout: 60_000, interval: 100 },
    )
    .toBe('tail above the notices');
  await screenshot(page, 'transcript-streaming-held-turn');

  // The tail grows by appended text while the notices stay where they are.
  const before = await page.locator('.stream-tail').textContent();
  await expect.poll(() => page.locator('.stream-tail').textContent(), { timeout: 60_000, interval: 100 }).not.toBe(before);
  expect(await page.locator('.transcript-after').textContent()).toContain('Waiting for memory');
  // The wait is over once its reply streams: the log says so, and the row (header, list) no longer says "waiting for memory".
  expect(await page.locator('.transcript-after').textContent()).toMatch(/Memory is free again: the turn goes on \(waited \d+ s\)/);
  const streaming = await api.request('sessions.show', { id: held });
  expect(streaming.ok && streaming.data.session.waitingFor).toBeNull();

  // Both sessions end; every streamed token arrived once.
  for (const id of ids) expect(await ui.waitForEnd(id, 180_000)).toBe('passed');
  for (const id of ids) {
    const coder = (await turns(page, id)).find((t) => t.persona === 'coder');
    expect(coder?.streaming).toBe(false);
    expect(coder?.streamed).toBe(coder?.final);
    expect(coder?.streamed).toMatch(/^Here is the module for (first|second)\./);
  }
  // Once the reply is over, the notices are ordinary rows of the list again.
  expect(await page.locator('.transcript-after').count()).toBe(0);
  expect(held).not.toBe('');
  expect(errors).toEqual([]);
  api.close();
}, 400_000);
