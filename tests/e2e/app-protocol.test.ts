import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { git, makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { app, invokeFrom, type FakeBrowserWindow } from '../support/fake-electron.js';
import { devLayout, ensureAppBuilt, launchMain, type MainRun } from '../support/main-harness.js';
import { supervisedServerConfig } from '../support/supervised-python.js';
import { REPO_ROOT } from '../support/test-deps.js';
import { chromiumPath, screenshot } from './support/ui-harness.js';
import { waitFor } from '../support/wait-for.js';

vi.mock('electron', () => import('../support/fake-electron.js'));

/**
 * The renderer as the Electron app shows it, in Chromium: the built main process runs (fake
 * electron, real host, its own supervised model server), and every byte of the page comes from the
 * main process's own `app://` protocol handler — same headers, same CSP. Chromium cannot register
 * `app://` as a privileged scheme outside Electron, so the handler's answers are served from an
 * http://127.0.0.1 origin (docs/mac-checklist.md lists what only a real app:// can show). The page
 * gets `window.factory` from the real built preload (out/preload/index.cjs), whose
 * `require('electron')` is a shim bridging ipcRenderer to the main process's own IPC handler, as
 * the dashboard window's WebContents. Checked: no CSP violation, Monaco's worker starts, a session
 * streams, passes and merges.
 */
const FIXED = 'print("total: %d" % sum([40, 2]))\n';
const fence = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\`\`\`\n`;

let main: MainRun;
let dashboard: FakeBrowserWindow;
let server: http.Server;
let origin: string;
let browser: Browser;
let page: Page;
let repo: string;
const violations: string[] = [];
const consoleErrors: string[] = [];
const requested: string[] = [];

/** The preload bundle, run as Electron would run it, with `electron` bridged to this process. */
function preloadShim(): string {
  const preload = fs.readFileSync(path.join(REPO_ROOT, 'out', 'preload', 'index.cjs'), 'utf8');
  return `(() => {
  const listeners = new Map();
  globalThis.__deliverIpc = (channel, args) => { for (const listener of listeners.get(channel) ?? []) listener({ sender: null }, ...args); };
  const electron = {
    contextBridge: { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: Object.freeze(api), enumerable: true }) },
    ipcRenderer: {
      invoke: (channel, ...args) => globalThis.__ipcInvoke(channel, args),
      on(channel, listener) { listeners.set(channel, [...(listeners.get(channel) ?? []), listener]); return this; },
    },
    webUtils: { getPathForFile: () => '' },
  };
  const module = { exports: {} };
  const require = (name) => { if (name === 'electron') return electron; throw new Error('A sandboxed preload can require only electron, not ' + name); };
  (function (require, module, exports) {\n${preload}\n})(require, module, module.exports);
})();`;
}

beforeAll(async () => {
  await ensureAppBuilt();
  const coder = (text: string, body: string, tokensPerSecond: number) => ({
    content: `${text}\n\n${fence('main.py', body)}`,
    tokensPerSecond,
  });
  const config = await supervisedServerConfig({
    coder: [coder("I'll fix **main.py**, which prints the total.", FIXED, 25)],
    sheriff: [{ content: 'It prints `total: 42`.\n\nVERDICT: PASS', tokensPerSecond: 200 }],
  });
  // main.py exists before: Monaco diffs against an empty original without its worker.
  repo = makeRepo({ files: { 'README.md': '# sums\n', 'main.py': 'print("total: %d" % sum([40]))\n' } });
  // macOS 13+ has not approved the login item yet: Settings must say so.
  main = await launchMain(devLayout(), {
    config,
    loginItem: { openAtLogin: false, status: 'requires-approval' },
    loginItemNeedsApproval: true,
  });
  app.emit('activate', {}, false);
  const window = main.dashboard();
  if (window === undefined) throw new Error('the app made no dashboard');
  dashboard = window;
  await waitFor('the dashboard page', () => dashboard.webContents.frameUrl !== null);

  // The app:// handler's answers over http (same status, headers and bytes).
  const handler = main.world.protocolHandlers.get('app');
  if (handler === undefined) throw new Error('the app registered no app:// handler');
  server = http.createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      requested.push(url.pathname);
      const answer = await handler(new Request(`app://renderer${url.pathname}`));
      response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
      response.end(Buffer.from(await answer.arrayBuffer()));
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  // The page's ipcRenderer → the main process's handler, as the dashboard window (its URL is app://).
  await page.exposeFunction('__ipcInvoke', (channel: string, args: unknown[]) => invokeFrom(dashboard.webContents, channel, args));
  // The main process's messages to the window → the page, in order.
  let delivery = Promise.resolve();
  const send = dashboard.webContents.send.bind(dashboard.webContents);
  dashboard.webContents.send = (channel: string, ...args: unknown[]): void => {
    send(channel, ...args);
    delivery = delivery.then(() =>
      page
        .evaluate(([c, a]) => (globalThis as unknown as { __deliverIpc(c: string, a: unknown[]): void }).__deliverIpc(c, a), [
          channel,
          args,
        ] as const)
        .catch(() => undefined),
    );
  };
  await context.addInitScript({ content: 'globalThis.__name ??= (f) => f;' });
  await context.addInitScript({ content: preloadShim() });
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => { (globalThis.__violations ??= []).push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' at ' + (e.sourceFile || '?') + ':' + e.lineNumber); });`,
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || /Could not create web worker|Refused to/.test(message.text())) consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) violations.push(`external request: ${request.url()}`);
  });
  await page.goto(`${origin}/index.html#dashboard`);
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  server?.close();
  await main?.dispose();
  removeTempDirs();
});

async function collectViolations(): Promise<string[]> {
  const inPage = await page.evaluate(() => (globalThis as unknown as { __violations?: string[] }).__violations ?? []);
  return [...violations, ...inPage];
}

describe('the renderer under the app:// protocol rules (served from http: Chromium cannot register app://)', () => {
  it('loads with the app protocol CSP as a header, over the preload bridge', async () => {
    const index = await fetch(`${origin}/index.html`);
    expect(index.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    await page.getByRole('button', { name: 'New session', exact: true }).waitFor({ timeout: 60_000 });
    // The page talks IPC (the preload's window.factory), not a socket.
    expect(await page.evaluate(() => (window as unknown as { factory?: { transport: string } }).factory?.transport)).toBe('ipc');
    await screenshot(page, 'app-protocol-dashboard');
  });

  it('streams a session started from New session, to PASS', async () => {
    await page.getByRole('button', { name: 'New session', exact: true }).click();
    const sheet = page.getByRole('dialog', { name: 'New session' });
    await sheet.waitFor();
    await page.locator('#ns-folder').fill(repo);
    await page.locator('#ns-task').fill('Make main.py print the total of 40 and 2.');
    await page.locator('#ns-check').fill('python3 main.py');
    await sheet.getByRole('button', { name: 'Start session' }).click();
    await page.locator('.turn-header[data-streaming="true"]').first().waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.locator('.transcript-scroll').textContent(), { timeout: 60_000, interval: 100 })
      .toContain("I'll fix main.py");
    await screenshot(page, 'app-protocol-streaming');
    await page.locator('.finished-row[data-outcome="passed"]').waitFor({ timeout: 45_000 });
    await screenshot(page, 'app-protocol-passed');
  });

  it('starts Monaco’s worker from the app origin and shows the diff', async () => {
    await page.getByRole('tab', { name: /Changes/ }).click();
    await page.locator('.monaco-host[data-diff-state="ready"]').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.workers().map((w) => w.url()), { timeout: 60_000 })
      .toContainEqual(expect.stringMatching(new RegExp(`^${origin}/assets/editor\\.worker-[^/]+\\.js$`)));
    expect(requested.some((p) => /^\/assets\/editor\.worker-/.test(p))).toBe(true);
    await expect
      .poll(async () =>
        ((await page.locator('.monaco-host .monaco-diff-editor .view-lines').last().textContent()) ?? '').replace(/\u00a0/g, ' '),
      )
      .toContain('total: %d');
    await screenshot(page, 'app-protocol-diff');
  });

  it('merges, and the result is in the repository on disk', async () => {
    await expect.poll(() => page.locator('[data-merge-headline]').first().textContent(), { timeout: 60_000 }).toContain('Merges cleanly');
    await page.getByRole('button', { name: 'Squash and merge…' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByRole('button', { name: 'Squash and merge' }).click();
    await expect.poll(() => page.locator('[data-outcome]').first().getAttribute('class'), { timeout: 60_000 }).toContain('success');
    await screenshot(page, 'app-protocol-merged');
    expect(git(repo, 'show', 'main:main.py')).toBe(FIXED);
    expect(fs.readFileSync(path.join(repo, 'main.py'), 'utf8')).toBe(FIXED);
  });

  it('shows in Settings that macOS waits for approval of the login item', async () => {
    await page
      .getByRole('link', { name: /Settings/ })
      .or(page.getByRole('button', { name: /Settings/ }))
      .first()
      .click();
    const card = page.locator('[data-login-item]');
    await expect.poll(() => card.getAttribute('data-login-item'), { timeout: 60_000 }).toBe('requires-approval');
    await page.getByLabel('Open MLX Factory at login').click();
    // The OS kept it off: still waiting, and the box shows what is true.
    await expect.poll(() => card.textContent()).toContain('System Settings → General → Login Items');
    expect(await page.getByLabel('Open MLX Factory at login').isChecked()).toBe(false);
    await screenshot(page, 'app-protocol-login-item');
  });

  it('had no CSP violation, no external request and no error on the way', async () => {
    expect(await collectViolations()).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
