// Drives the BUILT Electron main process (out/main/index.js, as electron-vite makes it) with the
// fake `electron` module in place of the real one. Each test file must declare
//   vi.mock('electron', () => import('../support/fake-electron.js'));
// (vitest hoists it; it applies to the bundle, which vitest loads like any project file). A launch
// resets the fake world, sets `process.resourcesPath` and the app home, imports a fresh copy of the
// bundle and lets Electron become ready.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { vi } from 'vitest';
import { stringify } from 'yaml';
import { IPC_REQUEST } from '../../src/api/ipc-channels.js';
import {
  emitReady,
  fakeWorld,
  invokeFrom,
  resetFakeElectron,
  type FakeBrowserWindow,
  type FakeFrame,
  type FakeTray,
  type FakeWebContents,
  type FakeWorldOptions,
} from './fake-electron.js';
import { REPO_ROOT } from './test-deps.js';
import { waitFor } from './wait-for.js';

const OUT = path.join(REPO_ROOT, 'out');
const OUTPUTS = ['main/index.js', 'preload/index.cjs', 'renderer/index.html'].map((file) => path.join(OUT, file));
const SOURCES = ['main', 'preload', 'src', 'renderer', 'resources'].map((dir) => path.join(REPO_ROOT, dir));
/** The same lock as tests/e2e/support/ui-harness.ts: one build of out/ at a time. */
const BUILD_LOCK = path.join(REPO_ROOT, '.cache', 'renderer-build.lock');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds out/ (main, preload, renderer) when it is missing or older than its sources. */
export async function ensureAppBuilt(): Promise<void> {
  const sources = Math.max(...SOURCES.map(newestMtime));
  const fresh = (): boolean => OUTPUTS.every((file) => fs.existsSync(file) && fs.statSync(file).mtimeMs >= sources);
  if (fresh()) return;
  fs.mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      break;
    } catch {
      const lock = fs.statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock !== undefined && Date.now() - lock.mtimeMs > 180_000) fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('Timed out waiting for another build of out/.');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    if (fresh()) return;
    const cli = path.join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
    const result = spawnSync(process.execPath, [cli, 'build'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 170_000 });
    if (result.status !== 0)
      throw new Error(`electron-vite build failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
    const now = new Date();
    for (const file of OUTPUTS) fs.utimesSync(file, now, now);
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface Layout {
  readonly bundle: string;
  readonly isPackaged: boolean;
  /** `process.resourcesPath` (Electron's own resources folder in a dev run: not ours). */
  readonly resourcesPath: string;
}

export function devLayout(): Layout {
  return {
    bundle: path.join(OUT, 'main', 'index.js'),
    isPackaged: false,
    resourcesPath: path.join(REPO_ROOT, 'node_modules', 'electron', 'dist', 'resources'),
  };
}

export interface LaunchOptions extends FakeWorldOptions {
  /** factory.yaml of the app home. */
  readonly config?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  /** Default true: let Electron become ready and wait for the app's start-up. */
  readonly ready?: boolean;
}

let launches = 0;

/** Electron sets process.resourcesPath (read-only in its types); Node has none. */
function setResourcesPath(value: string | undefined): void {
  Object.defineProperty(process, 'resourcesPath', { value, configurable: true, writable: true });
}

export interface MainRun {
  readonly home: string;
  readonly world: ReturnType<typeof fakeWorld>;
  /** What the main process printed (console.log / warn / error). */
  readonly console: string[];
  tray(): FakeTray;
  popover(): FakeBrowserWindow | undefined;
  dashboard(): FakeBrowserWindow | undefined;
  /** A request from a page of `contents`, through the app's own IPC handler. */
  request(
    contents: FakeWebContents,
    name: string,
    params?: unknown,
    /** The sending frame: the page's main frame unless given (a subframe, a detached frame). */
    frame?: FakeFrame | null,
  ): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }>;
  /** Quit as the user would (menu, ⌘Q) and wait until the app let the quit through. */
  quit(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function launchMain(layout: Layout, options: LaunchOptions = {}): Promise<MainRun> {
  const world = resetFakeElectron({ isPackaged: layout.isPackaged, ...options });
  const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-main-home-')));
  if (options.config !== undefined) fs.writeFileSync(path.join(home, 'factory.yaml'), stringify(options.config));
  const savedEnv = { ...process.env };
  const savedResources = process.resourcesPath;
  process.env['MLX_FACTORY_HOME'] = home;
  for (const [name, value] of Object.entries(options.env ?? {})) process.env[name] = value;
  setResourcesPath(layout.resourcesPath);
  const printed: string[] = [];
  const spies = (['log', 'warn', 'error'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      printed.push(`${level}: ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}`);
    }),
  );
  launches += 1;
  // A fresh copy of the bundle per launch (the query makes it a new module); the fake electron stays
  // one instance, shared with the test (vi.resetModules would give the bundle a second one).
  await import(`${pathToFileURL(layout.bundle).href}?launch=${launches}`);
  const find = (hash: string): FakeBrowserWindow | undefined =>
    world.windows.find((w) => !w.isDestroyed() && (w.webContents.loads[0] ?? '').includes(`#${hash}`));

  const run: MainRun = {
    home,
    world,
    console: printed,
    tray: () => {
      const tray = world.trays[0];
      if (tray === undefined) throw new Error('The app made no tray icon.');
      return tray;
    },
    popover: () => find('popover'),
    dashboard: () => find('dashboard'),
    async request(contents, name, params = {}, frame) {
      return (await invokeFrom(contents, IPC_REQUEST, [name, params], frame)) as Awaited<ReturnType<MainRun['request']>>;
    },
    async quit(timeoutMs = 20_000) {
      const { app } = await import('./fake-electron.js');
      app.quit();
      await waitFor('the app to quit', () => world.quitCompleted, timeoutMs);
    },
    async dispose() {
      if (!world.quitCompleted && world.ipcHandlers.size > 0) await run.quit().catch(() => undefined);
      for (const spy of spies) spy.mockRestore();
      for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
      Object.assign(process.env, savedEnv);
      setResourcesPath(savedResources);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
  if (options.ready !== false) {
    emitReady();
    await waitFor(
      'the app to start (IPC handler and tray)',
      () => (world.ipcHandlers.size > 0 && world.trays.length > 0) || world.exited !== null || world.quitCompleted,
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; the app printed:\n${printed.join('\n')}`);
    });
  }
  return run;
}
