import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { removeTempDirs } from '../support/git-fixtures.js';
import { app, type FakeBrowserWindow, type FakeDisplay, type FakeWebContents } from '../support/fake-electron.js';
import { devLayout, ensureAppBuilt, launchMain, type LaunchOptions, type MainRun } from '../support/main-harness.js';
import { waitFor } from '../support/wait-for.js';

vi.mock('electron', () => import('../support/fake-electron.js'));

/**
 * The Mac shell's traps (issue #20, items 9–17, and #19's sender check), each against a fake
 * Electron that behaves as a Mac does where it used to be lenient: the popover gets no `blur` when
 * another menu-bar item is clicked, windows flash before `ready-to-show`, `tray.getBounds()` says
 * y = 0 on a display above the primary, a Ctrl-click is a `click` with ctrlKey, and a login item
 * that waits for approval is reported as openAtLogin: true.
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

async function openPopover(main: MainRun): Promise<FakeBrowserWindow> {
  main.tray().click();
  const popover = main.popover();
  if (popover === undefined) throw new Error('no popover');
  await waitFor('the popover to show', () => popover.isVisible());
  await loaded(popover.webContents);
  return popover;
}

async function openDashboard(main: MainRun): Promise<FakeBrowserWindow> {
  app.emit('activate', {}, false);
  const dashboard = main.dashboard();
  if (dashboard === undefined) throw new Error('no dashboard');
  await waitFor('the dashboard to show', () => dashboard.isVisible());
  await loaded(dashboard.webContents);
  return dashboard;
}

const whiteFlashes = (main: MainRun): string[] => main.world.log.filter((line) => line.startsWith('white flash'));

describe('names (#20 item 13)', () => {
  it('a development run keeps its own settings folder, and so its own single-instance lock, set before the lock', async () => {
    const main = await launch();
    const log = main.world.log;
    const setPath = log.findIndex((line) => line.startsWith('app.setPath userData'));
    expect(log[setPath]).toBe('app.setPath userData /Users/me/Library/Application Support/MLX Factory (development)');
    expect(setPath).toBeLessThan(log.indexOf('app.requestSingleInstanceLock'));
  });
});

describe('quitting (#20 item 9, item 15)', () => {
  it('a second quit while the shutdown runs is held back too, and the app goes once the shutdown is over', async () => {
    const main = await launch();
    app.quit();
    app.quit(); // ⌘Q, ⌘Q
    expect(main.world.quitCompleted).toBe(false);
    expect(main.world.log.filter((line) => line === 'before-quit prevented')).toHaveLength(2);
    await waitFor('the app to quit', () => main.world.quitCompleted, 20_000);
    const log = main.world.log;
    expect(log.filter((line) => line === 'tray.destroy')).toHaveLength(1);
    expect(log.indexOf('tray.destroy')).toBeLessThan(log.indexOf('quit completed'));
    expect(log.filter((line) => line === 'quit completed')).toHaveLength(1);
  });

  it("the popover's Quit quits through the same shutdown", async () => {
    const main = await launch();
    const popover = await openPopover(main);
    expect(await main.request(popover.webContents, 'app.quit', {})).toEqual({ ok: true, data: {} });
    await waitFor('the app to quit', () => main.world.quitCompleted, 20_000);
    const log = main.world.log;
    expect(log.indexOf('before-quit prevented')).toBeGreaterThan(-1);
    expect(log.indexOf('tray.destroy')).toBeLessThan(log.indexOf('quit completed'));
  });
});

describe('the popover as a menu (#20 items 10, 12, 15)', () => {
  it('closes when another menu-bar item or Control Center is clicked (the app resigns active, no blur)', async () => {
    const main = await launch();
    const popover = await openPopover(main);
    app.resignActive();
    expect(popover.isVisible()).toBe(false);
  });

  it('gives the focus back (app.hide) when it closes and no dashboard is open; not while a dashboard shows', async () => {
    const main = await launch();
    const popover = await openPopover(main);
    popover.loseFocus();
    expect(popover.isVisible()).toBe(false);
    expect(main.world.log.filter((line) => line === 'app.hide')).toHaveLength(1);
    const dashboard = await openDashboard(main);
    await new Promise((resolve) => setTimeout(resolve, 350)); // past the guard against the blur-click
    await openPopover(main);
    popover.loseFocus();
    expect(popover.isVisible()).toBe(false);
    expect(dashboard.isVisible()).toBe(true);
    expect(main.world.log.filter((line) => line === 'app.hide')).toHaveLength(1);
  });

  it('opens on the display the icon is on, from the click event’s bounds (getBounds says y = 0 above the primary)', async () => {
    const display = (id: number, x: number, y: number, width: number, height: number, menuBar: number): FakeDisplay => ({
      id,
      bounds: { x, y, width, height },
      workArea: { x, y: y + menuBar, width, height: height - menuBar },
    });
    const primary = display(1, 0, 0, 1512, 982, 38);
    const above = display(2, 0, -1080, 1920, 1080, 25);
    const main = await launch({ displays: [primary, above], trayBounds: { x: 700, y: -1080, width: 24, height: 24 } });
    const popover = await openPopover(main);
    expect(popover.getPosition()).toEqual([522, -1055]);
  });

  it('Ctrl-click opens the menu (with Quit), not the popover', async () => {
    const main = await launch();
    main.tray().click({ ctrlKey: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(main.popover()?.isVisible() ?? false).toBe(false);
    expect(main.world.log).toContain('tray.popUpContextMenu');
    expect(main.world.trayMenu?.map((item) => item['label'])).toContain('Quit MLX Factory');
  });
});

describe('no white flash (#20 item 11)', () => {
  for (const { darkMode, color } of [
    { darkMode: false, color: '#ffffff' },
    { darkMode: true, color: '#1e1e1e' },
  ]) {
    it(`shows the popover and each new dashboard only on ready-to-show, on the theme's background (${darkMode ? 'dark' : 'light'})`, async () => {
      const main = await launch({ darkMode });
      const popover = await openPopover(main);
      const dashboard = await openDashboard(main);
      expect(whiteFlashes(main)).toEqual([]);
      expect(popover.backgroundColor).toBe(color);
      expect(dashboard.backgroundColor).toBe(color);
    });
  }
});

describe('start at login (#20 item 16)', () => {
  it('is on only when macOS says enabled; waiting for approval is said; turning it off leaves it not-registered', async () => {
    const main = await launch({ loginItemNeedsApproval: true });
    const dashboard = await openDashboard(main);
    expect(await main.request(dashboard.webContents, 'app.setLoginItem', { openAtLogin: true })).toEqual({
      ok: true,
      data: { openAtLogin: false, status: 'requires-approval' },
    });
    expect(await main.request(dashboard.webContents, 'app.setLoginItem', { openAtLogin: false })).toEqual({
      ok: true,
      data: { openAtLogin: false, status: 'not-registered' },
    });
    main.world.loginItemNeedsApproval = false;
    expect(await main.request(dashboard.webContents, 'app.setLoginItem', { openAtLogin: true })).toEqual({
      ok: true,
      data: { openAtLogin: true, status: 'enabled' },
    });
  });
});

describe('permissions and senders (#20 item 17, #19 item 11)', () => {
  it('allows the sanitized clipboard write for our own origin only, and nothing else', async () => {
    const main = await launch();
    const check = main.world.permissionCheck;
    if (check === null) throw new Error('no permission check handler');
    expect(check(null, 'clipboard-sanitized-write', 'app://renderer', {})).toBe(true);
    expect(check(null, 'clipboard-sanitized-write', 'https://evil.example', {})).toBe(false);
    expect(check(null, 'clipboard-read', 'app://renderer', {})).toBe(false);
    expect(check(null, 'media', 'app://renderer', {})).toBe(false);
  });

  it('answers only the main frame of our window: not a subframe (even showing our URL), not a detached frame', async () => {
    const main = await launch();
    const dashboard = await openDashboard(main);
    const contents = dashboard.webContents;
    expect(await main.request(contents, 'app.info', {})).toMatchObject({ ok: true });
    const refused = { ok: false, error: { code: 'BAD_REQUEST' } };
    expect(await main.request(contents, 'app.info', {}, contents.mainFrame.subframe('app://renderer/index.html#dashboard'))).toMatchObject(
      refused,
    );
    expect(await main.request(contents, 'app.info', {}, contents.mainFrame.subframe('https://evil.example/'))).toMatchObject(refused);
    contents.mainFrame.detached = true;
    expect(await main.request(contents, 'app.info', {})).toMatchObject(refused);
  });
});

describe('settings that run programs need the user’s OK (#19 item 11)', () => {
  it('config.write of workspace.editor, server.python or workspace.setup is refused without a token from a native dialog the user answered', async () => {
    const main = await launch();
    const dashboard = await openDashboard(main);
    const contents = dashboard.webContents;
    const editor = ['/usr/local/bin/code', '--wait'];
    for (const patch of [{ workspace: { editor } }, { server: { python: '/tmp/evil/python3' } }, { workspace: { setup: 'curl x | sh' } }]) {
      expect(await main.request(contents, 'config.write', { patch })).toMatchObject({
        ok: false,
        error: { code: 'CONFIRMATION_REQUIRED' },
      });
    }
    // Asking shows a native message box on our window; declining gives no token.
    const declined = main.request(contents, 'config.confirm', { key: 'workspace.editor', value: editor });
    await waitFor('the message box', () => main.world.messageBoxes.length === 1);
    expect(main.world.messageBoxes[0]?.parent).toBe(dashboard);
    expect(String(main.world.messageBoxes[0]?.options['detail'])).toContain('/usr/local/bin/code --wait');
    main.world.messageBoxes[0]?.answer({ response: 0 });
    expect(await declined).toEqual({ ok: true, data: { token: null } });
    // Allowing gives a token for that exact value, good once.
    const allowed = main.request(contents, 'config.confirm', { key: 'workspace.editor', value: editor });
    await waitFor('the second message box', () => main.world.messageBoxes.length === 2);
    main.world.messageBoxes[1]?.answer({ response: 1 });
    const answer = await allowed;
    const token = (answer.data as { token: string }).token;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const otherValue = await main.request(contents, 'config.write', {
      patch: { workspace: { editor: ['/tmp/evil'] } },
      confirmations: { 'workspace.editor': token },
    });
    expect(otherValue).toMatchObject({ ok: false, error: { code: 'CONFIRMATION_REQUIRED' } });
    // That try spent the token: even the confirmed value needs a new one now.
    expect(
      await main.request(contents, 'config.write', { patch: { workspace: { editor } }, confirmations: { 'workspace.editor': token } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'CONFIRMATION_REQUIRED' },
    });
    const again = main.request(contents, 'config.confirm', { key: 'workspace.editor', value: editor });
    await waitFor('the third message box', () => main.world.messageBoxes.length === 3);
    main.world.messageBoxes[2]?.answer({ response: 1 });
    const fresh = ((await again).data as { token: string }).token;
    const wrote = await main.request(contents, 'config.write', {
      patch: { workspace: { editor } },
      confirmations: { 'workspace.editor': fresh },
    });
    expect(wrote, JSON.stringify(wrote)).toMatchObject({ ok: true });
    expect(
      await main.request(contents, 'config.write', { patch: { workspace: { editor } }, confirmations: { 'workspace.editor': fresh } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'CONFIRMATION_REQUIRED' },
    });
    // Removing it, and other settings, need nothing.
    expect(
      await main.request(contents, 'config.write', { patch: { workspace: { editor: null }, agent: { max_attempts: 3 } } }),
    ).toMatchObject({ ok: true });
  });
});
