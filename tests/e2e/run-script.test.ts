import net from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustContent, trustFileBeside } from '../../src/config/project-trust.js';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { stillRunning, treePids } from '../support/process-tree-pids.js';
import type { Script } from '../support/scripted-server/launch.js';
import { screenshot, startUi, type UiHarness } from './support/ui-harness.js';

/**
 * "Run" (#21) in the app: two sessions of one repository each start the repository's run script
 * (workspace.run: a python http.server bound to $PORT, with a background sleeper so it is a tree) from
 * the session view; each gets a port of its own range, shown with an Open link, and each answers a
 * fetch from here; the output streams into the panel; Stop ends the whole tree (no pid of it survives,
 * the port closes); merging the other session stops its app too.
 */
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;
const SCRIPT: Script = {
  coder: [{ content: `Here it is.\n\n${fence('main.py', 'print(42)\n')}`, times: 10 }],
  sheriff: [{ content: 'Prints 42.\n\nVERDICT: PASS', times: 10 }],
};
const RUN = 'sleep 100000 & exec python3 -m http.server "$PORT" --bind 127.0.0.1';

let ui: UiHarness;

beforeAll(async () => {
  ui = await startUi({ script: SCRIPT });
});

afterAll(async () => {
  await ui?.stop();
  removeTempDirs();
});

async function startAndWait(description: string, repo: string): Promise<string> {
  const api = ui.api();
  const started = await api.request('sessions.start', { description, repo, check: 'python3 main.py', maxAttempts: 1 });
  if (!started.ok) throw new Error(started.error.message);
  await expect
    .poll(
      async () => {
        const shown = await api.request('sessions.show', { id: started.data.id });
        return shown.ok && !shown.data.session.live && shown.data.session.state !== 'running';
      },
      { timeout: 120_000, interval: 100 },
    )
    .toBe(true);
  return started.data.id;
}

/** Another route in the same page, as the app's own links change it. */
async function go(page: Page, route: string): Promise<void> {
  const target = new URL(ui.url);
  target.hash = route;
  await page.goto(target.href);
}

async function runOf(id: string) {
  const shown = await ui.api().request('sessions.show', { id });
  if (!shown.ok) throw new Error(shown.error.message);
  return shown.data.session.run ?? null;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function fetchStatus(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

describe('Run', () => {
  it('runs two sessions side by side on two ports, Stop ends the whole tree, merge stops the app', async () => {
    // The run script comes from the repository's own factory.yaml, which the user trusted.
    const projectFile = `workspace:\n  run: ${JSON.stringify(RUN)}\n`;
    const repo = makeRepo({ files: { 'index.html': '<h1>the app</h1>\n', 'factory.yaml': projectFile } });
    trustContent(trustFileBeside(path.join(ui.home, 'factory.yaml')), path.join(repo, 'factory.yaml'), projectFile);
    const one = await startAndWait('Print 42 from main.py.', repo);
    const two = await startAndWait('Print 42 from main.py, again.', repo);

    const { page, errors } = await ui.open(`sessions/${encodeURIComponent(one)}`, { width: 1280, height: 800 });
    const panel = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => panel.locator('.run-command').textContent(), { timeout: 60_000 }).toBe(RUN);
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    const portOne = Number(await panel.locator('[data-run-port]').getAttribute('data-run-port', { timeout: 60_000 }));
    const open = panel.getByRole('link', { name: 'Open' });
    expect(await open.getAttribute('href')).toBe(`http://127.0.0.1:${portOne}`);
    await expect.poll(() => portOpen(portOne), { timeout: 60_000 }).toBe(true);
    expect(await fetchStatus(`http://127.0.0.1:${portOne}/`)).toBe(200);
    // The server's request line streams into the panel.
    await expect.poll(() => panel.getByLabel('Run output').textContent(), { timeout: 60_000 }).toContain('"GET / HTTP/1.1" 200');
    await screenshot(page, 'run-panel-running');

    // The second session, in the same window.
    await go(page, `sessions/${encodeURIComponent(two)}`);
    const panelTwo = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => panelTwo.locator('.run-command').textContent(), { timeout: 60_000 }).toBe(RUN);
    await panelTwo.getByRole('button', { name: 'Run', exact: true }).click();
    const portTwo = Number(await panelTwo.locator('[data-run-port]').getAttribute('data-run-port', { timeout: 60_000 }));
    expect(portTwo).not.toBe(portOne);
    await expect.poll(() => portOpen(portTwo), { timeout: 60_000 }).toBe(true);
    expect(await fetchStatus(`http://127.0.0.1:${portTwo}/`)).toBe(200);
    const [runOne, runTwo] = [await runOf(one), await runOf(two)];
    expect(runOne).toMatchObject({ state: 'running', port: portOne });
    expect(runTwo).toMatchObject({ state: 'running', port: portTwo });
    expect(runOne?.range).not.toEqual(runTwo?.range);

    // Stop the first: its whole tree (sandbox, shell, sleeper, python) is gone, its port closed.
    const treeOne = treePids(runOne?.pgid ?? 0);
    expect(treeOne.length).toBeGreaterThanOrEqual(2);
    await go(page, `sessions/${encodeURIComponent(one)}`);
    const panelOne = page.getByRole('region', { name: 'Run' });
    await panelOne.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => panelOne.getAttribute('data-run-state'), { timeout: 60_000 }).toBe('stopped');
    expect(await panelOne.locator('.run-exit').textContent()).toBe('Stopped');
    expect(stillRunning(treeOne)).toEqual([]);
    expect(treePids(runOne?.pgid ?? 0)).toEqual([]); // nothing in its process group either
    expect(await portOpen(portOne)).toBe(false);
    await screenshot(page, 'run-panel-stopped');
    // The other app still answers.
    expect(await fetchStatus(`http://127.0.0.1:${portTwo}/`)).toBe(200);

    // Merge the second session in the app: its app stops before the merge touches the worktree.
    const treeTwo = treePids(runTwo?.pgid ?? 0);
    await go(page, `sessions/${encodeURIComponent(two)}/diff`);
    await expect.poll(() => page.locator('[data-merge-headline]').first().textContent(), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Squash and merge' }).click();
    const panelMerged = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => panelMerged.getAttribute('data-run-state'), { timeout: 60_000 }).toBe('stopped');
    expect(await panelMerged.locator('.run-exit').textContent()).toBe('Stopped: the session was merged');
    expect(stillRunning(treeTwo)).toEqual([]);
    expect(treePids(runTwo?.pgid ?? 0)).toEqual([]);
    expect(await portOpen(portTwo)).toBe(false);
    expect(await runOf(two)).toMatchObject({ state: 'stopped', stopReason: 'merged' });
    // The app stopped first; the merge lands after it.
    const merged = (): string | null => {
      try {
        return git(repo, 'show', 'main:main.py');
      } catch {
        return null;
      }
    };
    await expect.poll(merged, { timeout: 60_000 }).toBe('print(42)\n');
    expect(errors).toEqual([]);
  }, 300_000);

  it('offers "Run script…" for a repository without one; in a browser the value must be set in factory.yaml', async () => {
    const repo = makeRepo({ files: { 'README.md': '# no app\n' } });
    const id = await startAndWait('Print 42 from main.py.', repo);
    const { page } = await ui.open(`sessions/${encodeURIComponent(id)}`, { width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Run script…' }).click();
    const panel = page.getByRole('region', { name: 'Run' });
    await panel.getByRole('textbox', { name: 'Run script for this repository' }).fill('npm run dev');
    await panel.getByRole('button', { name: 'Save' }).click();
    // Only the host's own dialog (the desktop app) can confirm a command that runs with the network.
    await expect.poll(() => panel.getByRole('alert').textContent(), { timeout: 60_000 }).toContain('desktop app');
    await screenshot(page, 'run-script-form');
    const output = await ui.api().request('sessions.run.output', { id });
    expect(output).toMatchObject({ ok: true, data: { command: null } });
  }, 300_000);
});
