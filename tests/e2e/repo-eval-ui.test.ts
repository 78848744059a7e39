import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeRepo, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * "Which model for this repo?" in the Models view, against the real host: a repository the test
 * builds (two commits that add code with its test, one whose test already passes on its parent), the
 * scripted model answering each task with the commit's real change; progress lines, then the table.
 */
const fn = (name: string, body: string): string => `def ${name}(x):\n    ${body}\n`;
const testOf = (name: string, input: number, expected: number): string =>
  `import unittest\nfrom ${name} import ${name}\n\n\nclass Test${name}(unittest.TestCase):\n    def test_it(self):\n        self.assertEqual(${name}(${input}), ${expected})\n`;

let ui: UiHarness;
let repo: string;
let page: Page;

beforeAll(async () => {
  ui = await startUi({
    script: {
      sheriff: [{ content: 'The tests pass.\n\nVERDICT: PASS', tokensPerSecond: 400 }],
      routes: [
        { match: { contains: 'Add double()' }, coder: [{ content: `double.py\n\`\`\`python\n${fn('double', 'return x * 2')}\`\`\`\n` }] },
        { match: { contains: 'Add square()' }, coder: [{ content: `square.py\n\`\`\`python\n${fn('square', 'return x * x')}\`\`\`\n` }] },
      ],
    },
  });
  repo = makeRepo({ files: { 'inc.py': fn('inc', 'return x + 1'), 'tests/test_inc.py': testOf('inc', 1, 2) } });
  writeFiles(repo, { 'double.py': fn('double', 'return x * 2'), 'tests/test_double.py': testOf('double', 4, 8) });
  commitAll(repo, 'Add double()');
  writeFiles(repo, {
    'inc.py': `# Increment.\n${fn('inc', 'return x + 1')}`,
    'tests/test_inc_more.py': testOf('inc', 41, 42).replace('Testinc', 'TestincMore'),
  });
  commitAll(repo, 'Document inc()');
  writeFiles(repo, { 'square.py': fn('square', 'return x * x'), 'tests/test_square.py': testOf('square', 5, 25) });
  commitAll(repo, 'Add square()');
  ({ page } = await ui.open('models', { width: 1280, height: 900 }));
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

describe('Which model for this repo?', () => {
  it('runs the eval from history with progress and shows the table', async () => {
    const card = page.locator('[data-repo-eval]');
    await card.getByRole('textbox', { name: 'Repository folder' }).fill(repo);
    await card.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => card.locator('[data-eval-summary]').textContent(), { timeout: 120_000 }).toContain('2/2 passed');
    expect(await card.locator('.repo-eval-progress').textContent()).toContain('skipped — its tests already pass before the change');
    await expect.poll(() => card.locator('tbody tr').count(), { timeout: 60_000 }).toBe(2);
    expect(await card.locator('.repo-eval-skipped').textContent()).toContain('Document inc()');
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'models-repo-eval');
  }, 240_000);
});
