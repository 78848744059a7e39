import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { waitFor } from '../support/wait-for.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * #17 part 5 in the UI: a session on a server that answers `tool_calls` (the scripted server stands in
 * for the app's own mlx_lm.server). Each Coder turn's details say which tool protocol it used and how
 * many calls it made, with the reason in its tooltip; the answers to the calls show in the transcript.
 */
const SCRIPT: Script = {
  other: [{ content: '', toolCalls: [{ name: 'list_files', arguments: { dir: '.' } }] }],
  coder: [
    {
      content: 'Let me see what is there.',
      toolCalls: [
        { name: 'list_files', arguments: {} },
        { name: 'read_file', arguments: { path: 'greet.py' } },
      ],
    },
    { content: 'greet.py\n```python\nprint("hello, world")\n```\n' },
  ],
  sheriff: [{ content: 'It prints the greeting.\n\nVERDICT: PASS' }],
};

let ui: UiHarness;

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT });
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('native tool calls in the turn details', () => {
  it('marks the Coder turns "native tools" with their call counts and shows the answered calls', async () => {
    const repo = makeRepo({ files: { 'greet.py': 'print("hello")\n' } });
    const api = ui.api();
    const started = await api.request('sessions.start', {
      description: 'greet.py should print "hello, world".',
      repo,
      check: 'python3 greet.py',
      maxAttempts: 1,
    });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.data.id;
    await waitFor(
      `session ${id} to finish`,
      async () => {
        const shown = await api.request('sessions.show', { id });
        return shown.ok && !shown.data.session.live && shown.data.session.state === 'passed';
      },
      { everyMs: 100 },
    );

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}`, { width: 1280, height: 860 });
    await page.locator('.finished-row').waitFor({ timeout: 60_000 });
    const chips = page.locator('.turn-header.coder [data-tool-protocol]');
    await expect.poll(() => chips.count(), { timeout: 60_000 }).toBe(2);
    expect(await chips.allTextContents()).toEqual(['native tools · 2 calls', 'native tools']);
    expect(await chips.first().getAttribute('title')).toBe(
      'READ / SEARCH / LIST offered as OpenAI tools (text lines work too): the server answered with tool_calls',
    );
    expect(await page.locator('.turn-header.sheriff [data-tool-protocol]').count()).toBe(0);
    await page.getByText("Answered the Coder's 2 requests (tool calls): LIST .; READ greet.py").waitFor({ timeout: 60_000 });
    await screenshot(page, 'native-tools-turn-details');
    expect(errors).toEqual([]);
  });
});
