import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * #20 item 7: files are fetched ahead (hovered rows, the shown file's neighbours) and their Monaco
 * models made and diffed in idle time; choosing one attaches them. Whatever path a file takes —
 * fetched on the click, fetched ahead and prepared, or kept from a visit — it shows its own diff,
 * with its own hunk count, and the review's models carry no bracket colouring (a model option the
 * editor option never reached: on a big file it tokenized the whole file on first paint).
 */
const BIG_LINES = Array.from({ length: 3000 }, (_, i) => `line_${String(i + 1).padStart(5, '0')} = transform(${i + 1}, scale=[${i % 7}])`);
const EDITS = 30;

function coderReply(): string {
  const blocks = Array.from({ length: EDITS }, (_, k) => {
    const line = BIG_LINES[k * 100 + 9] ?? '';
    return `<<<<<<< SEARCH\n${line}\n=======\n${line.replace('transform', 'transform_fast')}  # tuned\n>>>>>>> REPLACE`;
  });
  return [
    'Tuning the hot rows.',
    '',
    'a_small.py',
    '<<<<<<< SEARCH\nsmall_3 = 3\n=======\nsmall_3 = 33\n>>>>>>> REPLACE',
    '',
    'big.py',
    blocks.join('\n'),
    '',
    'c_tail.py',
    '<<<<<<< SEARCH\ntail = "old"\n=======\ntail = "new"\nextra = ("added",)\n>>>>>>> REPLACE',
    '',
  ].join('\n');
}

let ui: UiHarness;
let sessionId: string;

beforeAll(async () => {
  ui = await startUi({ script: { coder: [{ content: coderReply() }], sheriff: [{ content: 'Fine.\nVERDICT: PASS' }] } });
  const repo = makeRepo({
    files: {
      'a_small.py': `${Array.from({ length: 10 }, (_, i) => `small_${i} = ${i}`).join('\n')}\n`,
      'big.py': `${BIG_LINES.join('\n')}\n`,
      'c_tail.py': 'head = 1\ntail = "old"\n',
    },
  });
  sessionId = await ui.runSession('Tune the hot rows', repo, { check: 'true', maxAttempts: 1 });
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('Diff files fetched and prepared ahead', () => {
  it('each file shows its own diff whether fetched on the click, ahead, or kept from a visit', async () => {
    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(sessionId)}/diff`, { width: 1440, height: 900 });
    const shown = async (path: string, changes: number): Promise<void> => {
      await page.locator(`.monaco-host[data-diff-state="ready"][data-diff-path="${path}"]`).waitFor({ timeout: 60_000 });
      expect(await page.locator('.monaco-host').getAttribute('data-diff-changes')).toBe(String(changes));
    };
    const modifiedText = async (): Promise<string> =>
      ((await page.locator('.monaco-host .editor.modified .view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ');

    // The first file (path order) opens by itself; its neighbour is then fetched and prepared ahead.
    await shown('a_small.py', 1);
    await page.locator('.file-row[data-path="big.py"]').hover();
    await page.locator('.file-row[data-path="big.py"]').click();
    await shown('big.py', EDITS);
    // The first hunk is at line 10, on screen: the edited line on the "after" side.
    await expect.poll(modifiedText, { timeout: 60_000 }).toContain('line_00010 = transform_fast(10, scale=[2])  # tuned');
    // Brackets everywhere in this file, and no bracket-pair colouring on any of them.
    expect(await page.locator('.monaco-host [class*="bracket-highlighting-"]').count()).toBe(0);
    await screenshot(page, 'diff-big-file-prepared');

    await page.locator('.file-row[data-path="c_tail.py"]').click();
    await shown('c_tail.py', 1);
    await expect.poll(modifiedText, { timeout: 60_000 }).toContain('extra = ("added",)');

    // Back to files seen before: kept sides and models, the same diffs.
    await page.locator('.file-row[data-path="big.py"]').click();
    await shown('big.py', EDITS);
    await page.locator('.file-row[data-path="a_small.py"]').click();
    await shown('a_small.py', 1);
    await expect.poll(modifiedText, { timeout: 60_000 }).toContain('small_3 = 33');
    expect(errors).toEqual([]);
  }, 180_000);

  it('a file renamed in the worktree opens its diff against the old path (the host finds it; the page sends no oldPath)', async () => {
    // As a user would in their editor: move the edited file and commit it in the session's worktree.
    const api = ui.api();
    const shownSession = await api.request('sessions.show', { id: sessionId });
    api.close();
    if (!shownSession.ok) throw new Error(shownSession.error.message);
    const worktree = shownSession.data.session.worktree;
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: worktree, stdio: 'ignore' });
    };
    fs.mkdirSync(path.join(worktree, 'lib'));
    git('mv', 'a_small.py', 'lib/small.py');
    git('commit', '-q', '-m', 'Move the small module');

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(sessionId)}/diff`, { width: 1440, height: 900 });
    const row = page.locator('.file-row[data-path="lib/small.py"]');
    await row.waitFor({ timeout: 60_000 });
    await row.click();
    // Against a_small.py at the base: the one edited line, not a whole new file.
    await page.locator('.monaco-host[data-diff-state="ready"][data-diff-path="lib/small.py"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('.monaco-host').getAttribute('data-diff-changes')).toBe('1');
    const original = ((await page.locator('.monaco-host .editor.original .view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ');
    expect(original).toContain('small_3 = 3');
    // The toolbar says where it came from.
    expect(await page.locator('.diff-toolbar .diff-path').textContent()).toBe('a_small.py → lib/small.py');
    await screenshot(page, 'diff-renamed-file');
    expect(errors).toEqual([]);
  });
});
