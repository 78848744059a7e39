import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * The conflict view (#21): "Update from main" when main changed the same lines as the session shows
 * the conflicting file with its hunk in labelled sections — the session's side, the common base and
 * main's side — each file with "Open in editor", beside "Ask the Coder to resolve"; nothing merged.
 */
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
const SCRIPT: Script = {
  coder: [{ content: `Here it is.\n\n${fence('main.py', 'print(42)\n')}`, times: 10 }],
  sheriff: [{ content: 'Prints 42.\n\nVERDICT: PASS', times: 10 }],
};

let ui: UiHarness;

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT });
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('conflict view', () => {
  it('a conflicting update from main shows the conflicting hunk with both sides and the common base', async () => {
    const repo = makeRepo({ files: { 'main.py': 'print(1)\n' } });
    const id = await ui.runSession('Print 42 from main.py.', repo);
    const shown = await ui.api().request('sessions.show', { id });
    if (!shown.ok) throw new Error(shown.error.message);
    const branch = shown.data.session.branch;
    writeFiles(repo, { 'main.py': "print('mine')\n" });
    git(repo, 'add', 'main.py');
    git(repo, 'commit', '-qm', 'my own main.py');
    const sessionHead = git(repo, 'rev-parse', branch).trim();

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Update from main' }).click();
    const view = page.locator('[data-conflict-view="update"]');
    await view.waitFor({ timeout: 60_000 });
    const file = view.locator('[data-conflict-file="main.py"]');
    await file.waitFor();
    expect(await view.textContent()).toContain('Updating from main would conflict in 1 file');
    expect(await file.locator('[data-side="ours"] pre').textContent()).toBe('print(42)');
    expect(await file.locator('[data-side="base"] pre').textContent()).toBe('print(1)');
    expect(await file.locator('[data-side="theirs"] pre').textContent()).toBe("print('mine')");
    expect(await file.locator('[data-side="ours"] .conflict-side-label').textContent()).toContain('the session');
    expect(await file.locator('[data-side="theirs"] .conflict-side-label').textContent()).toContain('main');
    expect(await view.textContent()).not.toMatch(/<{7}|>{7}/);
    expect(await file.getByRole('button', { name: 'Open in editor' }).isVisible()).toBe(true);
    expect(await view.getByRole('button', { name: 'Ask the Coder to resolve' }).isVisible()).toBe(true);
    await screenshot(page, 'conflict-view-update');
    // Nothing was merged: the session branch is where it was.
    expect(git(repo, 'rev-parse', branch).trim()).toBe(sessionHead);
    expect(errors).toEqual([]);
  }, 300_000);
});
