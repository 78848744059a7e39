import asar from '@electron/asar';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { app } from '../support/fake-electron.js';
import { ensureAppBuilt, launchMain, type MainRun } from '../support/main-harness.js';
import { packApp, type PackagedApp } from '../support/packaged-app.js';
import { REPO_ROOT } from '../support/test-deps.js';
import { waitFor } from '../support/wait-for.js';

vi.mock('electron', () => import('../support/fake-electron.js'));

/**
 * The app as electron-builder would pack it (electron-builder.yml's files, the production
 * dependencies, a real app.asar, extraResources beside it), started from that layout with
 * `app.isPackaged` and `process.resourcesPath` set as on a Mac. Every file the app uses at run time
 * must be where it looks, and what another program reads must not be inside the archive.
 */
let packaged: PackagedApp;
let run: MainRun | undefined;

beforeAll(async () => {
  await ensureAppBuilt();
  packaged = await packApp();
}, 240_000);

afterEach(async () => {
  await run?.dispose();
  run = undefined;
});

afterAll(() => {
  if (packaged !== undefined) fs.rmSync(packaged.dir, { recursive: true, force: true });
});

async function launchPackaged(env: Record<string, string> = {}): Promise<MainRun> {
  run = await launchMain({ bundle: packaged.bundle, isPackaged: true, resourcesPath: packaged.resourcesPath }, { env });
  return run;
}

function insideArchive(file: string): string | null {
  const archive = path.join(packaged.resourcesPath, 'app.asar');
  const relative = path.relative(archive, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? null : `/${relative.split(path.sep).join('/')}`;
}

describe('app.asar', () => {
  it('holds the bundles and exactly the production dependencies the main bundle imports', () => {
    for (const file of ['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html'])
      expect(packaged.asarFiles.has(file), file).toBe(true);
    const mainBundle = fs.readFileSync(path.join(REPO_ROOT, 'out', 'main', 'index.js'), 'utf8');
    const imported = new Set(
      [...mainBundle.matchAll(/^import [^;]*?from "([^"]+)"/gm)]
        .map((m) => m[1] ?? '')
        .filter((name) => !name.startsWith('node:') && name !== 'electron'),
    );
    expect([...imported].sort()).toEqual(['isomorphic-git', 'openai', 'yaml', 'zod']);
    for (const name of imported) expect(packaged.asarFiles.has(`/node_modules/${name}/package.json`), name).toBe(true);
    // The CLI's loader, the bundler under it and the browser host's socket library are not app code.
    for (const name of ['tsx', 'esbuild', 'ws', 'electron', 'vite', 'typescript'])
      expect(packaged.asarFiles.has(`/node_modules/${name}/package.json`), name).toBe(false);
    const files = [...packaged.asarFiles];
    expect(files.filter((f) => f.startsWith('/src/') || f.startsWith('/tests/') || f.startsWith('/main/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') && f.startsWith('/out/'))).toEqual([]);
    // Only the app's bundles from out/: not the CLI's bundle (4 MB, stale in a packaged app) nor test builds.
    expect(files.filter((f) => f.startsWith('/out/') && !/^\/out\/(main|preload|renderer)\//.test(f))).toEqual([]);
    // The packaged app's name (app.getName(), its settings folder and single-instance lock) is not the dev run's.
    const manifest = JSON.parse(asar.extractFile(packaged.asarFile, 'package.json').toString('utf8')) as { productName?: string };
    expect(manifest.productName).toBe('MLX Factory');
  });

  it('the layout the app runs from is exactly the archive', () => {
    const archive = path.join(packaged.resourcesPath, 'app.asar');
    const onDisk: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else onDisk.push(`/${path.relative(archive, full).split(path.sep).join('/')}`);
      }
    };
    walk(archive);
    expect(new Set(onDisk)).toEqual(packaged.asarFiles);
    for (const file of ['out/main/index.js', 'out/preload/index.cjs', 'node_modules/zod/package.json']) {
      expect(asar.extractFile(packaged.asarFile, file).equals(fs.readFileSync(path.join(archive, file))), file).toBe(true);
    }
  });
});

describe('the packaged app at run time', () => {
  it('starts from the layout and finds every resource where it looks', async () => {
    const main = await launchPackaged();
    expect(main.world.errorBoxes).toEqual([]);
    // Tray icon: a plain file beside the archive (extraResources).
    expect(main.world.imagePaths).toEqual([path.join(packaged.resourcesPath, 'resources', 'iconTemplate.png')]);
    for (const image of main.world.imagePaths) expect(fs.existsSync(image), image).toBe(true);
    // The windows' preload: inside the archive (Electron reads it from there).
    app.emit('activate', {}, false);
    main.tray().click();
    for (const window of main.world.windows) {
      const preload = String((window.options['webPreferences'] as { preload?: unknown }).preload);
      expect(insideArchive(preload), preload).toBe('/out/preload/index.cjs');
      expect(packaged.asarFiles.has('/out/preload/index.cjs')).toBe(true);
    }
    // The renderer: through app://, from the archive, every asset index.html names.
    const handler = main.world.protocolHandlers.get('app');
    const page = await handler?.(new Request('app://renderer/index.html'));
    expect(page?.status).toBe(200);
    const html = (await page?.text()) ?? '';
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(packaged.asarFiles.has(`/out/renderer/${asset}`), asset).toBe(true);
      expect((await handler?.(new Request(`app://renderer/${asset}`)))?.status, asset).toBe(200);
    }
  });

  it('gives sandbox-exec a profile outside the archive, found through process.resourcesPath', async () => {
    const main = await launchPackaged();
    const line = main.console.find((entry) => entry.includes('sandbox profile'));
    expect(line, main.console.join('\n')).toBeDefined();
    const profile = /sandbox profile (.+)$/.exec(line ?? '')?.[1] ?? '';
    expect(profile).toBe(path.join(packaged.resourcesPath, 'resources', 'sandbox', 'macos.sb'));
    expect(insideArchive(profile)).toBeNull();
    expect(fs.readFileSync(profile, 'utf8')).toBe(fs.readFileSync(path.join(REPO_ROOT, 'resources', 'sandbox', 'macos.sb'), 'utf8'));
    // Where the old code looked (beside the bundle, inside app.asar) there is nothing.
    expect(packaged.asarFiles.has('/resources/sandbox/macos.sb')).toBe(false);
  });

  it('ignores ELECTRON_RENDERER_URL: a packaged app loads only its own files', async () => {
    const main = await launchPackaged({ ELECTRON_RENDERER_URL: 'http://evil.example:5173' });
    main.tray().click();
    const popover = main.popover();
    expect(popover?.webContents.loads).toEqual(['app://renderer/index.html#popover']);
    await waitFor('the popover page', () => popover?.webContents.frameUrl !== null);
    expect(popover?.webContents.tryNavigate('http://evil.example:5173/index.html')).toBe(false);
    // IPC from a page of the dev server's origin is refused too.
    if (popover === undefined) throw new Error('no popover');
    popover.webContents.frameUrl = 'http://evil.example:5173/index.html#popover';
    expect(await main.request(popover.webContents, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(main.world.log).not.toContain('dock.hide'); // LSUIElement does it when packaged
  });

  it('reports a damaged install (a resource missing) in a dialog instead of failing later', async () => {
    const profile = path.join(packaged.resourcesPath, 'resources', 'sandbox', 'macos.sb');
    const saved = fs.readFileSync(profile);
    fs.rmSync(profile);
    try {
      const main = await launchPackaged();
      expect(main.world.errorBoxes).toEqual([
        { title: 'MLX Factory is incomplete', content: expect.stringContaining(`the sandbox profile is missing (${profile})`) },
      ]);
    } finally {
      fs.writeFileSync(profile, saved);
    }
  });
});
