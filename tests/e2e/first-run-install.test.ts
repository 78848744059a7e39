import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverPaths } from '../../src/server/server-paths.js';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import type { Script } from '../support/scripted-server/launch.js';
import { startStandInHub, type StandInHub } from '../support/stand-in-hub.js';
import { freePort } from '../support/free-port.js';
import { testDeps } from '../support/test-deps.js';
import { machineWithoutRuntime } from './support/machine-without-runtime.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * A first run with no terminal (#20 item 2): a fresh home on a machine with Python but no mlx-lm
 * anywhere → the app says the MLX runtime is missing and Download waits, saying why → "Install the
 * MLX runtime" → the tiny model downloads from the stand-in Hub (overall progress, Cancel, resume,
 * "downloaded") → a session passes. Real `mlx-factory ui`, real Chromium, the app's real install
 * (the base Python found on PATH, `python -m venv` in the app's home, pip, the check that mlx
 * imports and computes), real huggingface_hub in the venv it made.
 *
 * Emulated, and only this: what pip installs. The real install downloads mlx + mlx-lm from PyPI
 * (minutes, and PyPI is unreachable here), so MLX_FACTORY_RUNTIME_REQUIREMENTS points pip at a
 * stand-in wheel built below, whose .pth file puts the test venv's already-installed mlx, mlx-lm
 * and huggingface_hub on the new venv's path (PIP_NO_INDEX: pip cannot reach an index). The
 * session's model is the scripted server, chosen in Settings (a random-weight model says nothing useful).
 */

const REPO_ID = 'mlx-community/tiny-test-model';
const PROGRAM = 'print("hello from the first run")\n';
const SCRIPT: Script = {
  coder: [{ content: `main.py\n\`\`\`python\n${PROGRAM}\`\`\`\n`, tokensPerSecond: 200 }],
  sheriff: [{ content: 'It prints the greeting.\n\nVERDICT: PASS', tokensPerSecond: 400 }],
};

/** A wheel with one .pth file: importing from `site` in any venv it is installed in. */
const WHEEL_SCRIPT = `
import base64, hashlib, sys, zipfile
site, out = sys.argv[1], sys.argv[2]
info = "mlx_factory_test_runtime-1.0.dist-info"
files = {
    "mlx_factory_test_runtime.pth": site + "\\n",
    info + "/METADATA": "Metadata-Version: 2.1\\nName: mlx-factory-test-runtime\\nVersion: 1.0\\n",
    info + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: mlx-factory-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(out, "w") as wheel:
    for name, text in files.items():
        data = text.encode()
        wheel.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(info + "/RECORD,,")
    wheel.writestr(info + "/RECORD", "\\n".join(record) + "\\n")
`;

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
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'first-run-install-')));
  // The stand-in for PyPI's mlx + mlx-lm (see above).
  const site = execFileSync(deps.python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).trim();
  const wheel = path.join(tmp, 'mlx_factory_test_runtime-1.0-py3-none-any.whl');
  execFileSync(deps.python, ['-c', WHEEL_SCRIPT, site, wheel]);
  // This machine as a new user has it (the stand-in's compiled mlx fits the base Python).
  const machine = machineWithoutRuntime(deps.python, tmp);

  const served = path.join(tmp, 'served');
  fs.cpSync(deps.model, served, { recursive: true });
  fs.writeFileSync(path.join(served, 'extra-weights.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
  hub = await startStandInHub({ [REPO_ID]: { dir: served, faults: { 'extra-weights.bin': { bytesPerSecond: 3 * 1024 * 1024 } } } });
  const hfHome = path.join(tmp, 'hf');
  cache = path.join(hfHome, 'hub');
  ui = await startUi({
    script: SCRIPT,
    config: { server: { model: REPO_ID, port: await freePort() }, agent: { max_attempts: 2 } },
    env: {
      ...machine,
      MLX_FACTORY_RUNTIME_REQUIREMENTS: wheel,
      PIP_NO_INDEX: '1',
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      HF_ENDPOINT: hub.url,
      HF_HOME: hfHome,
      HF_HUB_CACHE: cache,
      HF_TOKEN: '',
      HF_HUB_OFFLINE: '',
    },
  });
  ({ page, errors } = await ui.open('server'));
});

afterAll(async () => {
  await ui?.stop();
  await hub?.close();
  removeTempDirs();
});

describe('first run without a terminal', () => {
  it('the Server view and its Doctor say the runtime is missing and offer to install it, in words (no raw markdown)', async () => {
    const offer = page.locator('.server-page .runtime-install[data-runtime-state="missing"]');
    await offer.waitFor({ timeout: 60_000 });
    await expect.poll(() => offer.getByRole('button', { name: 'Install the MLX runtime' }).count(), { timeout: 60_000 }).toBe(1);
    await expect
      .poll(() => page.locator('[data-check="mlx-lm"] .doctor-fix').textContent(), { timeout: 60_000 })
      .toContain('Install the MLX runtime (above)');
    // The command is shown as code, not as `backticks`.
    for (const fix of await page.locator('.doctor-fix, .runtime-install').allTextContents()) expect(fix).not.toContain('`');
    expect(await page.locator('[data-check="mlx-lm"] .doctor-fix code').textContent()).toBe('mlx-factory doctor --install');
    // Start: the model is not here either, and its Download waits for the runtime, saying so.
    await page.locator('.server-actions').getByRole('button', { name: 'Start', exact: true }).click();
    const offerDownload = page.getByRole('button', { name: `Download ${REPO_ID}` });
    await offerDownload.waitFor({ timeout: 60_000 });
    expect(await offerDownload.isDisabled()).toBe(true);
    expect(await text('.pull-offer')).toContain('install the runtime first (below)');
    await screenshot(page, 'first-run-server-runtime-missing');
  });

  it('the Models view disables Download and says why until the runtime exists', async () => {
    await page
      .getByRole('button', { name: /^Models/ })
      .first()
      .click();
    const row = page.locator(`tr[data-model="${REPO_ID}"]`);
    await row.waitFor({ timeout: 60_000 });
    const download = row.getByRole('button', { name: 'Download' });
    await expect.poll(() => download.isDisabled(), { timeout: 60_000 }).toBe(true);
    expect(await text('#download-blocked')).toBe('Downloads need the MLX runtime (they run in its Python): install it above first.');
    expect(await download.getAttribute('aria-describedby')).toBe('download-blocked');
    await screenshot(page, 'first-run-models-download-waits');
  });

  it('"Install the MLX runtime" makes the venv in the app’s home with progress, then Doctor is green', async () => {
    const panel = page.locator('.models-page .runtime-install');
    await panel.getByRole('button', { name: 'Install the MLX runtime' }).click();
    // The steps show while it runs (venv + pip + the mlx check take seconds here).
    await expect.poll(() => panel.getAttribute('data-runtime-state'), { timeout: 60_000, interval: 50 }).toBe('installing');
    expect(await panel.locator('.runtime-steps .runtime-step-label').allTextContents()).toEqual([
      'Find Python 3.11 or newer',
      'Make a Python environment in the app’s folder',
      'Download and install mlx and mlx-lm',
      'Check that mlx computes',
    ]);
    await expect.poll(() => panel.locator('.runtime-steps li[data-state="now"]').count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => panel.getByRole('button', { name: 'Cancel' }).count(), { timeout: 60_000 }).toBe(1);
    await screenshot(page, 'first-run-runtime-installing');
    await expect.poll(() => panel.getAttribute('data-runtime-state'), { timeout: 120_000, interval: 200 }).toBe('ready');
    const venvPython = serverPaths(ui.home).venvPython;
    expect(await panel.getByRole('status').textContent()).toBe(`The MLX runtime is installed: ${venvPython}`);
    await panel.locator('summary', { hasText: 'Details' }).click();
    const log = (await panel.locator('.runtime-log').textContent()) ?? '';
    expect(log).toContain(`Creating a virtual environment at ${serverPaths(ui.home).venv}`);
    expect(log).toMatch(/Installing \S+mlx_factory_test_runtime-1\.0-py3-none-any\.whl \(from MLX_FACTORY_RUNTIME_REQUIREMENTS/);
    expect(log).toContain('Successfully installed mlx-factory-test-runtime-1.0');
    expect(log).toMatch(/Ready: .*venv\/bin\/python \(Python 3\.\d+\.\d+, mlx [\d.]+ on Device\(cpu, 0\), mlx-lm [\d.]+\)/);
    await screenshot(page, 'first-run-runtime-installed');
    expect(fs.existsSync(venvPython)).toBe(true);
    // Download is offered now, without a reload.
    await expect.poll(() => page.locator('#download-blocked').count(), { timeout: 60_000 }).toBe(0);
    expect(await page.locator(`tr[data-model="${REPO_ID}"]`).getByRole('button', { name: 'Download' }).isEnabled()).toBe(true);
  });

  it('downloads the model with overall progress, Cancel, resume and "downloaded"', async () => {
    const row = page.locator(`tr[data-model="${REPO_ID}"]`);
    await row.getByRole('button', { name: 'Download' }).click();
    const bar = row.getByRole('progressbar');
    let seen = { now: 0, meta: '' };
    const deadline = Date.now() + 60_000;
    while (!(seen.now > 0 && seen.now < 100 && /of 8 MB/.test(seen.meta))) {
      if (Date.now() > deadline) throw new Error(`no moving progress bar; last seen ${JSON.stringify(seen)}`);
      const now = Number((await bar.getAttribute('aria-valuenow', { timeout: 200 }).catch(() => null)) ?? 0);
      const meta =
        (await row
          .locator('.pull-meta')
          .textContent({ timeout: 200 })
          .catch(() => null)) ?? '';
      seen = { now, meta };
      if (!(seen.now > 0 && seen.now < 100 && /of 8 MB/.test(meta))) await new Promise((r) => setTimeout(r, 40));
    }
    await screenshot(page, 'first-run-pull-progress');
    await row.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => row.locator('.pull-progress').getAttribute('data-phase'), { timeout: 60_000 }).toBe('cancelled');
    await row.getByRole('button', { name: 'Resume download' }).click();
    await expect
      .poll(() => row.locator('[data-pull-done]').textContent(), { timeout: 60_000, interval: 100 })
      .toContain('Downloaded and verified');
    await expect.poll(() => row.locator('td').nth(3).textContent(), { timeout: 60_000, interval: 100 }).toBe('8 MB');
    await screenshot(page, 'first-run-model-downloaded');
    const snapshot = path.join(cache, 'models--mlx-community--tiny-test-model', 'snapshots', hub.commitOf(REPO_ID));
    expect(fs.statSync(path.join(snapshot, 'extra-weights.bin')).size).toBe(8 * 1024 * 1024);
  });

  it('Doctor shows the runtime it installed', async () => {
    await page
      .getByRole('button', { name: /^Server/ })
      .first()
      .click();
    await expect.poll(() => page.locator('[data-check="mlx-lm"]').getAttribute('class'), { timeout: 60_000 }).toContain('ok');
    expect(await text('[data-check="python"] .doctor-detail')).toContain(serverPaths(ui.home).venvPython);
    expect(await page.locator('.server-page .runtime-install[data-runtime-state="missing"]').count()).toBe(0);
  });

  it('a session passes (model: the scripted server, chosen in Settings)', async () => {
    await page.getByRole('button', { name: /^Settings/ }).click();
    await page.getByRole('radio', { name: 'An OpenAI-compatible server at a URL' }).click();
    await page.locator('#setting-server\\.url').fill(ui.model.url);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => text('.sidebar-server'), { timeout: 60_000 }).toContain('Ready (external)');
    const repo = makeRepo({ files: { 'README.md': '# first run\n' } });
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    await page.locator('#ns-folder').fill(repo);
    await page.locator('#ns-task').fill('Write main.py that prints a greeting.');
    await page.locator('#ns-check').fill('python3 main.py');
    await page.getByRole('dialog', { name: 'New session' }).getByRole('button', { name: 'Start session' }).click();
    await page.locator('.finished-row[data-outcome="passed"]').waitFor({ timeout: 60_000 });
    await screenshot(page, 'first-run-session-passed');
    expect(
      git(repo, 'show', `${git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/factory/').split('\n')[0] ?? ''}:main.py`),
    ).toBe(PROGRAM);
    expect(errors).toEqual([]);
  });
});
