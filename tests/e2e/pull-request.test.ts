import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, makeTempDir, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * "Create pull request" (#21) in the app: offered beside Merge even when the merge is blocked by a
 * conflict, it says hooks are off before it pushes, pushes the session branch to a real local bare
 * remote (through git's own pushInsteadOf, so the remote still names GitHub), hands `--draft` to gh
 * (a fake `gh` first on the host's PATH that records its arguments and stdin), and shows the PR's
 * number, state and checks on the session.
 */
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
const SCRIPT: Script = {
  coder: [{ content: `Here it is.\n\n${fence('main.py', 'print(42)\n')}`, times: 10 }],
  sheriff: [{ content: 'Prints 42.\n\nVERDICT: PASS', times: 10 }],
};
const GITHUB_URL = 'https://github.com/acme/widgets.git';

let ui: UiHarness;
const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-e2e-gh-'));
const records = path.join(bin, 'records');

beforeAll(async () => {
  fs.mkdirSync(records);
  fs.writeFileSync(
    path.join(bin, 'gh'),
    `#!/bin/sh
n=$(ls "${records}" | grep -c '^gh-')
dir="${records}/gh-$n"
mkdir -p "$dir"
for a in "$@"; do printf '%s\\n' "$a" >> "$dir/args"; done
cat > "$dir/stdin"
case "$1 $2" in
  "auth status") exit 0 ;;
  "pr create") echo "https://github.com/acme/widgets/pull/12" ;;
  "pr view") echo '{"number":12,"state":"OPEN","url":"https://github.com/acme/widgets/pull/12","isDraft":true,"statusCheckRollup":[{"status":"COMPLETED","conclusion":"FAILURE"},{"status":"QUEUED","conclusion":null}]}' ;;
  *) exit 2 ;;
esac
`,
    { mode: 0o755 },
  );
  ui = await startUi({ script: SCRIPT, env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
  fs.rmSync(bin, { recursive: true, force: true });
});

describe('Create pull request', () => {
  it('is offered when the merge is blocked, pushes the branch, passes --draft to gh and shows the PR on the session', async () => {
    const repo = makeRepo({ files: { 'README.md': '# demo\n' } });
    const bare = path.join(makeTempDir('mlxf-remote-'), 'widgets.git');
    git(path.dirname(bare), 'init', '-q', '--bare', bare);
    git(repo, 'remote', 'add', 'origin', GITHUB_URL);
    git(repo, 'config', `url.${bare}.pushInsteadOf`, GITHUB_URL);
    git(repo, 'push', '-q', 'origin', 'main');
    const id = await ui.runSession('Print 42 from main.py.', repo);
    const shown = await ui.api().request('sessions.show', { id });
    if (!shown.ok) throw new Error(shown.error.message);
    const branch = shown.data.session.branch;
    // The user's own main.py on main: the merge is blocked by a conflict.
    writeFiles(repo, { 'main.py': 'print("mine")\n' });
    git(repo, 'add', 'main.py');
    git(repo, 'commit', '-qm', 'my own main.py');
    const branchesBefore = git(repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads');

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(id)}/diff`, { width: 1280, height: 800 });
    await expect.poll(() => page.locator('[data-merge-headline]').textContent(), { timeout: 60_000 }).toContain('would conflict');
    expect(await page.getByRole('button', { name: 'Squash and merge…' }).isDisabled()).toBe(true);
    const create = page.getByRole('button', { name: 'Create pull request…' });
    expect(await create.isDisabled()).toBe(false);
    await page.getByRole('checkbox', { name: 'Draft' }).check();
    await create.click();
    const dialog = page.getByRole('alertdialog');
    await expect
      .poll(() => dialog.textContent())
      .toContain("Hooks are off for this push: a pre-push hook would run the session's code outside the sandbox.");
    await screenshot(page, 'pull-request-confirm');
    await dialog.getByRole('button', { name: 'Push and create draft' }).click();

    const line = page.locator('[data-pull-request]');
    await line.waitFor({ timeout: 60_000 });
    await expect
      .poll(() => line.textContent(), { timeout: 60_000 })
      .toContain('Pull request #12 · open · draft · checks: 1 failing, 1 pending');
    await screenshot(page, 'pull-request-shown');
    expect(git(bare, 'rev-parse', branch).trim()).toBe(git(repo, 'rev-parse', branch).trim());
    expect(git(repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads')).toBe(branchesBefore);
    const create0 = fs
      .readdirSync(records)
      .map((d) => ({
        args: fs.readFileSync(path.join(records, d, 'args'), 'utf8').split('\n'),
        stdin: fs.readFileSync(path.join(records, d, 'stdin'), 'utf8'),
      }))
      .find((c) => c.args[0] === 'pr' && c.args[1] === 'create');
    expect(create0?.args).toContain('--draft');
    expect(create0?.args[create0.args.indexOf('--head') + 1]).toBe(branch);
    expect(create0?.stdin).toContain('Print 42 from main.py.');
    expect(create0?.stdin).toMatch(/Step 1 \(attempt 1\): main\.py — check exit 0, verdict PASS/);
    expect(errors).toEqual([]);
  }, 300_000);
});
