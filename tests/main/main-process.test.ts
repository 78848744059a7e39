import os from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GLOBAL_STREAM, type ApiEvent } from '../../src/api/global-events.js';
import { IPC_EVENT } from '../../src/api/ipc-channels.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { makeRepo, removeTempDirs } from '../support/git-fixtures.js';
import { app, FakeBrowserWindow, type FakeDisplay, type FakeWebContents } from '../support/fake-electron.js';
import { devLayout, ensureAppBuilt, launchMain, type LaunchOptions, type MainRun } from '../support/main-harness.js';
import type { Script } from '../support/scripted-server/launch.js';
import { supervisedServerConfig } from '../support/supervised-python.js';
import { waitFor } from '../support/wait-for.js';

vi.mock('electron', () => import('../support/fake-electron.js'));

/**
 * The Electron main process as built (out/main/index.js), driven through a fake `electron` in a
 * development layout: the tray and its popover, dialogs, drops, windows, notifications, IPC and
 * navigation rules, quitting. What needs the packaged layout is in packaged-layout.test.ts.
 */
let run: MainRun | undefined;

beforeAll(async () => {
  await ensureAppBuilt();
}, 240_000);

afterEach(async () => {
  await run?.dispose();
  run = undefined;
});

afterAll(() => removeTempDirs());

async function launch(options: LaunchOptions = {}): Promise<MainRun> {
  run = await launchMain(devLayout(), options);
  return run;
}

async function loaded(contents: FakeWebContents): Promise<void> {
  await waitFor('the page to load', () => contents.frameUrl !== null && !contents.isLoading());
}

/** The API events main sent to a page (batched frames unpacked). */
function eventsSentTo(contents: FakeWebContents): ApiEvent[] {
  return contents.sent.filter((m) => m.channel === IPC_EVENT).flatMap((m) => (m.args[0] as { events: ApiEvent[] }).events);
}

const display = (id: number, x: number, y: number, width: number, height: number, menuBar = 38): FakeDisplay => ({
  id,
  bounds: { x, y, width, height },
  workArea: { x, y: y + menuBar, width, height: height - menuBar },
});

describe('start-up', () => {
  it('registers app:// as a privileged scheme before ready and serves the renderer with its CSP', async () => {
    const main = await launch();
    expect(main.world.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
    const handler = main.world.protocolHandlers.get('app');
    expect(handler).toBeDefined();
    const page = await handler?.(new Request('app://renderer/index.html'));
    expect(page?.status).toBe(200);
    expect(page?.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page?.headers.get('content-security-policy')).toContain("worker-src 'self'");
    expect(await page?.text()).toContain('<div id="root">');
    // Nothing outside the renderer folder, and no other host.
    expect((await handler?.(new Request('app://renderer/../../package.json')))?.status).toBe(404);
    expect((await handler?.(new Request('app://elsewhere/index.html')))?.status).toBe(404);
    expect(main.world.errorBoxes).toEqual([]);
    expect(main.world.log).toContain('dock.hide');
  });
});

describe('the tray popover', () => {
  // Width 380: centred under the icon, kept inside the work area of the display the icon is on.
  const left = display(2, -1440, 0, 1440, 900, 25);
  const primary = display(1, 0, 0, 1512, 982);
  const right = display(3, 1512, -200, 1920, 1080, 25);
  const cases = [
    { name: 'the middle of the menu bar', tray: { x: 700, y: 0, width: 24, height: 24 }, expected: [522, 38] },
    { name: 'the right edge', tray: { x: 1490, y: 0, width: 22, height: 24 }, expected: [1512 - 380, 38] },
    { name: 'the left edge', tray: { x: 4, y: 0, width: 22, height: 24 }, expected: [0, 38] },
    { name: 'a display to the left (negative x)', tray: { x: -30, y: 0, width: 22, height: 22 }, expected: [-380, 25] },
    { name: 'a display to the right, higher up', tray: { x: 3400, y: -200, width: 22, height: 22 }, expected: [3432 - 380, -175] },
  ];
  for (const { name, tray, expected } of cases) {
    it(`opens under the icon at ${name}`, async () => {
      const main = await launch({ displays: [primary, left, right], trayBounds: tray });
      main.tray().click();
      const popover = main.popover();
      await waitFor('the popover to show', () => popover?.isVisible() === true);
      expect(popover?.getPosition()).toEqual(expected);
    });
  }

  it('is on every Space and over full-screen apps', async () => {
    const main = await launch();
    main.tray().click();
    expect(main.popover()?.visibleOnAllWorkspaces).toEqual({
      visible: true,
      options: expect.objectContaining({ visibleOnFullScreen: true, skipTransformProcessType: true }),
    });
  });

  it('hides on blur, and the click on the icon that caused the blur does not reopen it', async () => {
    const main = await launch();
    main.tray().click();
    const popover = main.popover();
    await waitFor('the popover to show', () => popover?.isFocused() === true);
    // Clicking the icon again: macOS blurs the popover first, then delivers the click.
    main.tray().click();
    expect(popover?.isVisible()).toBe(false);
    // A later click (not part of the same gesture) opens it again.
    await new Promise((resolve) => setTimeout(resolve, 350));
    main.tray().click();
    expect(popover?.isVisible()).toBe(true);
    // A click elsewhere hides it.
    popover?.loseFocus();
    expect(popover?.isVisible()).toBe(false);
  });

  it('stays up while its folder dialog is open: the dialog has the popover as parent and a defaultPath', async () => {
    const main = await launch();
    main.tray().click();
    const popover = main.popover();
    if (popover === undefined) throw new Error('no popover');
    await loaded(popover.webContents);
    await waitFor('the popover to show', () => popover.isVisible());
    const picking = main.request(popover.webContents, 'dialog.pickFolder', { title: 'Choose a repository' });
    await waitFor('the dialog', () => main.world.dialogs.length === 1);
    const first = main.world.dialogs[0];
    expect(first?.parent).toBe(popover);
    expect(first?.options).toMatchObject({
      title: 'Choose a repository',
      defaultPath: os.homedir(),
      properties: expect.arrayContaining(['openDirectory']),
    });
    // The dialog took the focus; the popover is still showing behind it.
    expect(popover.isFocused()).toBe(false);
    expect(popover.isVisible()).toBe(true);
    first?.answer({ canceled: false, filePaths: ['/Users/me/code/project'] });
    expect(await picking).toEqual({ ok: true, data: { path: '/Users/me/code/project' } });
    expect(popover.isVisible()).toBe(true);
    // The next picker starts where this one ended.
    const again = main.request(popover.webContents, 'dialog.pickFolder', {});
    await waitFor('the second dialog', () => main.world.dialogs.length === 2);
    expect(main.world.dialogs[1]?.options['defaultPath']).toBe('/Users/me/code/project');
    main.world.dialogs[1]?.answer({ canceled: true, filePaths: [] });
    expect(await again).toEqual({ ok: true, data: { path: null } });
    // With the dialog gone, blur-hide works again.
    popover.loseFocus();
    expect(popover.isVisible()).toBe(false);
  });
});

describe('windows and instances', () => {
  it('a second instance leaves at once and makes nothing', async () => {
    const main = await launch({ singleInstance: false });
    // (A development run names its own userData first: the lock lives there.)
    expect(main.world.log.filter((entry) => !entry.startsWith('app.setPath userData')).slice(0, 2)).toEqual([
      'app.requestSingleInstanceLock',
      'app.quit',
    ]);
    expect(main.world.quitCompleted).toBe(true);
    expect(main.world.trays).toHaveLength(0);
    expect(main.world.windows).toHaveLength(0);
  });

  it('second-instance and activate (reopened from Finder) show the dashboard, created again after it was closed', async () => {
    const main = await launch();
    expect(main.dashboard()).toBeUndefined();
    app.emit('second-instance', {}, [], '/');
    const first = main.dashboard();
    await waitFor('the dashboard to show', () => first?.isVisible() === true);
    first?.close();
    expect(main.dashboard()).toBeUndefined();
    app.emit('activate', {}, false);
    const second = main.dashboard();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    await waitFor('the dashboard to show', () => second?.isVisible() === true);
    expect(second?.webContents.loads).toEqual(['app://renderer/index.html#dashboard']);
  });

  it('a folder dropped on the icon opens New session with it in the dashboard, once', async () => {
    const repo = makeRepo({ files: { 'README.md': '# dropped\n' } });
    const main = await launch();
    main.tray().dropFiles([repo, '/somewhere/else']);
    await waitFor('the dashboard', () => main.dashboard() !== undefined);
    const dashboard = main.dashboard();
    if (dashboard === undefined) throw new Error('no dashboard');
    await loaded(dashboard.webContents);
    await waitFor('the dashboard to show', () => dashboard.isVisible());
    // The new dashboard's page starts by following the global stream from the beginning.
    expect(await main.request(dashboard.webContents, 'events.subscribe', { stream: GLOBAL_STREAM, afterSeq: 0 })).toMatchObject({
      ok: true,
    });
    const asked = eventsSentTo(dashboard.webContents).filter((e) => e.type === 'app.newSession');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ repo: { path: repo, kind: 'repo' } });
    // A dashboard opened later does not get the old request again (no stale New session sheet).
    dashboard.close();
    app.emit('activate', {}, false);
    const later = main.dashboard();
    if (later === undefined) throw new Error('no dashboard');
    await loaded(later.webContents);
    expect(await main.request(later.webContents, 'events.subscribe', { stream: GLOBAL_STREAM, afterSeq: 0 })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(eventsSentTo(later.webContents).filter((e) => e.type === 'app.newSession')).toEqual([]);
  });

  it('reports the login item status, including requires-approval (macOS 13+)', async () => {
    const main = await launch({ loginItem: { openAtLogin: false, status: 'not-registered' }, loginItemNeedsApproval: true });
    app.emit('activate', {}, false);
    const dashboard = main.dashboard();
    if (dashboard === undefined) throw new Error('no dashboard');
    await loaded(dashboard.webContents);
    expect(await main.request(dashboard.webContents, 'app.setLoginItem', { openAtLogin: true })).toEqual({
      ok: true,
      data: { openAtLogin: false, status: 'requires-approval' },
    });
    main.world.loginItem = { openAtLogin: true, status: 'enabled' };
    expect(await main.request(dashboard.webContents, 'app.getLoginItem', {})).toEqual({
      ok: true,
      data: { openAtLogin: true, status: 'enabled' },
    });
  });
});

describe('security rules', () => {
  it('refuses IPC from a window that is not ours and from a page that navigated away', async () => {
    const main = await launch();
    app.emit('activate', {}, false);
    const dashboard = main.dashboard();
    if (dashboard === undefined) throw new Error('no dashboard');
    await loaded(dashboard.webContents);
    expect(await main.request(dashboard.webContents, 'app.info', {})).toMatchObject({ ok: true, data: { transport: 'ipc' } });
    const foreign = new FakeBrowserWindow({});
    await foreign.loadURL('app://renderer/index.html#dashboard');
    expect(await main.request(foreign.webContents, 'app.info', {})).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('did not come from an MLX Factory window') },
    });
    dashboard.webContents.frameUrl = 'https://evil.example/';
    expect(await main.request(dashboard.webContents, 'sessions.list', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('blocks navigation away from the renderer and every new window; https links go to the browser', async () => {
    const main = await launch();
    app.emit('activate', {}, false);
    const contents = main.dashboard()?.webContents;
    if (contents === undefined) throw new Error('no dashboard');
    expect(contents.tryNavigate('https://evil.example/')).toBe(false);
    expect(contents.tryNavigate('file:///etc/passwd')).toBe(false);
    expect(contents.tryNavigate('http://localhost:5173/')).toBe(false); // no dev server in this run
    expect(contents.tryNavigate('app://renderer/index.html#settings')).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://github.com/ml-explore/mlx-lm' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://renderer/index.html' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    // A session's app (#21's Open): loopback and a port only, in the user's browser.
    expect(contents.windowOpenHandler?.({ url: 'http://127.0.0.1:41230' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'http://127.0.0.1:41230/../x' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'http://evil.example:41230' })).toEqual({ action: 'deny' });
    expect(main.world.external).toEqual(['https://github.com/ml-explore/mlx-lm', 'http://127.0.0.1:41230']);
    const cancelled = (url: string): boolean => {
      let cancel: boolean | undefined;
      main.world.beforeRequest?.({ url }, (response) => (cancel = response.cancel));
      return cancel === true;
    };
    expect(cancelled('https://cdn.jsdelivr.net/npm/monaco-editor/min/vs/loader.js')).toBe(true);
    expect(cancelled('app://renderer/assets/editor.worker.js')).toBe(false);
    let granted: boolean | undefined;
    main.world.permissionRequest?.({}, 'media', (answer) => (granted = answer));
    expect(granted).toBe(false);
  });

  it('in a development run, trusts the electron-vite dev server named by ELECTRON_RENDERER_URL', async () => {
    const main = await launch({ env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } });
    main.tray().click();
    const contents = main.popover()?.webContents;
    expect(contents?.loads).toEqual(['http://localhost:5173/index.html#popover']);
    expect(contents?.tryNavigate('http://localhost:5173/index.html#dashboard')).toBe(true);
  });
});

describe('sessions: notifications and quitting', () => {
  const code = (body: string): string => `main.py\n\`\`\`python\n${body}\n\`\`\`\n`;

  const supervisedConfig = (script: Script) => supervisedServerConfig(script);

  async function openDashboard(main: MainRun): Promise<FakeBrowserWindow> {
    app.emit('activate', {}, false);
    const dashboard = main.dashboard();
    if (dashboard === undefined) throw new Error('no dashboard');
    await loaded(dashboard.webContents);
    return dashboard;
  }

  async function startSession(main: MainRun, contents: FakeWebContents, repo: string): Promise<string> {
    const started = await main.request(contents, 'sessions.start', { description: 'Print hello.', repo, check: 'python3 main.py' });
    expect(started, JSON.stringify(started)).toMatchObject({ ok: true });
    return (started.data as { id: string }).id;
  }

  it('a notification is kept until clicked (not collected), and its click opens that session in one load', async () => {
    const config = await supervisedConfig({
      coder: [{ content: code("print('hello')") }, { content: code("print('again')") }],
      sheriff: [{ content: 'Fine.\nVERDICT: PASS' }, { content: 'VERDICT: PASS' }],
    });
    const repo = makeRepo({ files: { 'README.md': '# n\n' } });
    const main = await launch({ config });
    const dashboard = await openDashboard(main);
    const id = await startSession(main, dashboard.webContents, repo);
    await waitFor('the notification', () => main.world.notifications.length === 1, 45_000);
    const finished = readSessionLog(sessionFiles(path.join(main.home, 'sessions'), id).log).events.filter((e) => e.type !== 'token.delta');
    expect(
      main.world.log.filter((line) => line.startsWith('notification:')),
      JSON.stringify(finished),
    ).toEqual([expect.stringContaining('passed')]);
    // The OS holds a posted notification weakly; only the app's own reference keeps its click alive.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 3; i += 1) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const notification = main.world.notifications[0]?.deref();
    expect(notification, 'the notification was garbage-collected before its click').toBeDefined();
    // The dashboard was closed meanwhile: the click makes a new one, loaded once, on the session.
    dashboard.close();
    notification?.emit('click', {});
    const opened = main.dashboard();
    if (opened === undefined) throw new Error('no dashboard');
    expect(opened.webContents.loads).toEqual([`app://renderer/index.html#dashboard/session/${encodeURIComponent(id)}`]);
    await loaded(opened.webContents);
    await waitFor('the dashboard to show', () => opened.isVisible());
    // An unsigned build: the OS refuses notifications with `failed`; that is handled, and said once.
    main.world.notifications.length = 0;
    const second = await startSession(main, opened.webContents, repo);
    await waitFor('the second notification', () => main.world.notifications.length === 1, 45_000);
    const failing = main.world.notifications[0]?.deref();
    failing?.emit('failed', {}, 'UNErrorCodeNotificationsNotAllowed');
    expect(main.console.filter((line) => line.includes('Notifications are not available'))).toHaveLength(1);
    // A click on an open dashboard navigates in place: one more load, same document, nothing aborted.
    failing?.emit('click', {});
    expect(opened.webContents.loads.at(-1)).toBe(`app://renderer/index.html#dashboard/session/${encodeURIComponent(second)}`);
    expect(main.console.filter((line) => /ERR_ABORTED/.test(line))).toEqual([]);
  });

  it('quits in order: checkpoints the running session, stops the server, removes the icon, then lets the quit through', async () => {
    const config = await supervisedConfig({ coder: [{ content: code("print('slow')"), fault: 'hang' }], sheriff: [] });
    const repo = makeRepo({ files: { 'README.md': '# q\n' } });
    const main = await launch({ config });
    const dashboard = await openDashboard(main);
    const id = await startSession(main, dashboard.webContents, repo);
    expect(await main.request(dashboard.webContents, 'events.subscribe', { stream: id, afterSeq: 0 })).toMatchObject({ ok: true });
    await waitFor('the Coder turn', () => eventsSentTo(dashboard.webContents).some((e) => e.type === 'turn.started'), 30_000);
    const status = await main.request(dashboard.webContents, 'server.status', {});
    expect(status).toMatchObject({ ok: true, data: { state: 'ready', owned: true } });
    const pid = (status.data as { pid: number }).pid;
    expect(isAlive(pid)).toBe(true);
    await main.quit();
    const log = main.world.log;
    // The first quit was held back until shutdown finished; the icon went before the final quit.
    expect(log.indexOf('before-quit prevented')).toBeGreaterThan(-1);
    expect(log.indexOf('tray.destroy')).toBeGreaterThan(log.indexOf('before-quit prevented'));
    expect(log.indexOf('quit completed')).toBeGreaterThan(log.indexOf('tray.destroy'));
    // Before the process could go: the session was checkpointed (interrupted, resumable) and the server stopped.
    const events = readSessionLog(sessionFiles(path.join(main.home, 'sessions'), id).log).events;
    expect(events.map((e) => e.type)).toContain('session.interrupted');
    expect(isAlive(pid)).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
