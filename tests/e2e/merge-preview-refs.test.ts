import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * The merge bar stays true when the world moves (issue 15): with the Changes tab open, a commit on
 * main in the user's own checkout makes the bar say "Out of date — checking again…" and then the new
 * prediction — nobody clicks "Update from main". The host's git holds the new prediction back while
 * the test looks (holdingGit): the out-of-date state is on screen for as long as the test needs, not
 * for one round trip; a second move runs unheld and is seen through a recorder of the bar's texts.
 */
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
const SCRIPT: Script = {
  coder: [{ content: `Here it is.\n\n${fence('main.py', 'print(42)\n')}`, times: 10 }],
  sheriff: [{ content: 'Prints 42.\n\nVERDICT: PASS', times: 10 }],
};

let ui: UiHarness;
const fakeGit = holdingGit();

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT, env: { PATH: `${fakeGit.dir}:${process.env['PATH'] ?? ''}` } });
});

afterAll(async () => {
  fakeGit.release();
  await ui?.stop();
  removeTempDirs();
  fs.rmSync(fakeGit.dir, { recursive: true, force: true });
});

/**
 * A git on the UI host's PATH that runs the real one, except that `git merge-tree` (the prediction)
 * waits while the hold file exists: the test holds the new prediction back for as long as it looks
 * at the out-of-date bar, then lets it go.
 */
function holdingGit(): { readonly dir: string; hold(): void; release(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-e2e-git-'));
  const holdFile = path.join(dir, 'hold');
  const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    path.join(dir, 'git'),
    [
      '#!/bin/sh',
      `case " $* " in *" merge-tree "*) while [ -e ${quote(holdFile)} ]; do sleep 0.05; done ;; esac`,
      `exec ${quote(real)} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return {
    dir,
    hold: () => fs.writeFileSync(holdFile, ''),
    release: () => fs.rmSync(holdFile, { force: true }),
  };
}

/** Every text the merge bar's headline shows from now on, in order (a MutationObserver in the page). */
async function recordHeadlines(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __headlines: string[] }).__headlines = seen;
    const note = (): void => {
      const text = document.querySelector('[data-merge-headline]')?.textContent?.trim() ?? '';
      if (text !== '' && seen.at(-1) !== text) seen.push(text);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => [...(window as unknown as { __headlines: string[] }).__headlines]);
}

const headline = (page: Page): Promise<string | null> => page.locator('[data-merge-headline]').textContent();

describe('the merge bar when main moves', () => {
  it('says "Out of date — checking again…" and then the new prediction, without Update from main', async () => {
    const repo = makeRepo({ files: { 'README.md': '# demo\n' } });
    const id = await ui.runSession('Print 42 from main.py.', repo);
    const shown = await ui.api().request('sessions.show', { id });
    if (!shown.ok) throw new Error(shown.error.message);
    const session = shown.data.session;
    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 800 });
    await expect.poll(() => headline(page), { timeout: 60_000 }).toContain('Merges cleanly');
    const history = await recordHeadlines(page);

    // The user commits on main, in their own checkout, a main.py of their own: the merge now conflicts.
    fakeGit.hold();
    writeFiles(repo, { 'main.py': 'print("mine")\n' });
    git(repo, 'add', 'main.py');
    git(repo, 'commit', '-qm', 'my own main.py');
    const outOfDate = page.locator('[data-out-of-date]');
    await outOfDate.waitFor({ timeout: 60_000 });
    expect(await outOfDate.textContent()).toContain('Out of date — checking again…');
    expect(await page.locator('.merge-panel').getAttribute('data-can-merge')).toBe('false');
    expect(await page.getByRole('button', { name: 'Squash and merge…' }).isDisabled()).toBe(true);
    await screenshot(page, 'merge-bar-out-of-date');
    fakeGit.release();
    await expect.poll(() => headline(page), { timeout: 60_000 }).toContain('would conflict');
    expect(await page.locator('[data-conflicts]').textContent()).toContain('main.py');
    await screenshot(page, 'merge-bar-after-main-moved');
    expect(await history()).toEqual([
      expect.stringContaining('Merges cleanly'),
      expect.stringContaining('Out of date'),
      expect.stringContaining('would conflict'),
    ]);

    // Main moves again, nothing held this time: out of date, then clean again (main.py gone from main).
    git(repo, 'rm', '-q', 'main.py');
    git(repo, 'commit', '-qm', 'drop my main.py');
    await expect.poll(() => headline(page), { timeout: 60_000 }).toContain('Merges cleanly');
    const seen = await history();
    expect(seen.slice(2)).toEqual([
      expect.stringContaining('would conflict'),
      expect.stringContaining('Out of date'),
      expect.stringContaining('Merges cleanly'),
    ]);
    // Nobody updated the session from main: its branch is where the session left it.
    expect(git(repo, 'log', '--format=%s', session.branch)).not.toContain('Merge');
    expect(errors).toEqual([]);
  });
});
