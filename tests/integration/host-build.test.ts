import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The Electron shell cannot run here (no Electron binary), so this checks what can be checked
 * without it: electron-vite builds all three bundles, each shaped as Electron needs it, with the
 * security settings in place; and the packaging config is valid for electron-builder.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let outDir: string;
let build: { status: number | null; output: string };

beforeAll(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf build '));
  const cli = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build', '--outDir', outDir], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  build = { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}, 180_000);

afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
});

const read = (relative: string): string => fs.readFileSync(path.join(outDir, relative), 'utf8');

describe('npm run build (electron-vite)', () => {
  it('produces the main, preload and renderer bundles', () => {
    expect(build.status, build.output).toBe(0);
    for (const file of ['main/index.js', 'preload/index.cjs', 'renderer/index.html'])
      expect(fs.existsSync(path.join(outDir, file)), file).toBe(true);
    // Building never fetched the Electron binary.
    expect(fs.existsSync(path.join(root, 'node_modules', 'electron', 'dist'))).toBe(false);
  });

  it('main: an ES module that loads electron only as an import, with the checklist settings', () => {
    const main = read('main/index.js');
    expect(main).toMatch(/from "electron"/);
    expect(main).not.toMatch(/require\(["']electron["']\)/);
    for (const needle of [
      'contextIsolation: true',
      'sandbox: true',
      'nodeIntegration: false',
      'webviewTag: false',
      'requestSingleInstanceLock',
      'second-instance',
      'activate',
      'setWindowOpenHandler',
      'will-navigate',
      'will-attach-webview',
      'setPermissionRequestHandler',
      'registerSchemesAsPrivileged',
      'setVisibleOnAllWorkspaces',
      'drop-files',
      'setLoginItemSettings',
      'before-quit',
    ]) {
      expect(main, needle).toContain(needle);
    }
    // The browser host (ws) is not part of the app; the renderer is never loaded from file://.
    expect(main).not.toMatch(/from "ws"/);
    expect(main).not.toMatch(/loadFile\(/);
  });

  it('preload: one CommonJS file that requires nothing but electron and exposes only window.factory', () => {
    const preload = read('preload/index.cjs');
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect([...new Set(requires)]).toEqual(['electron']);
    expect([...preload.matchAll(/exposeInMainWorld\(\s*["']([^"']+)["']/g)].map((m) => m[1])).toEqual(['factory']);
    expect(preload).not.toMatch(/^(import|export) /m);
  });

  it('renderer: relative asset paths (app:// in the app, http in a browser) and a strict CSP', () => {
    const html = read('renderer/index.html');
    expect(html).toMatch(/src="\.\/assets\/[^"]+\.js"/);
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|https?:\/\/(?!127\.0\.0\.1|localhost)/);
  });
});

describe('packaging (electron-builder.yml)', () => {
  const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
    mac: Record<string, unknown>;
  };

  it('is valid for electron-builder', async () => {
    const require = createRequire(path.join(root, 'package.json'));
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration: (c: unknown, logger: unknown) => Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
    // The validator is real: a misspelt key is refused.
    await expect(
      validateConfiguration({ ...structuredClone(config), mac: { ...config.mac, hardendRuntime: true } }, new DebugLogger(false)),
    ).rejects.toThrow(/configuration/);
  });

  it('makes a signed, hardened macOS dmg of a menu-bar app', () => {
    expect(config.mac).toMatchObject({
      hardenedRuntime: true,
      notarize: true,
      extendInfo: { LSUIElement: true },
      target: [{ target: 'dmg', arch: ['arm64'] }],
    });
    // The app is signed and notarized; the dmg is not signed (that breaks its notarization).
    expect(config['dmg']).toMatchObject({ sign: false });
    for (const file of [config.mac['entitlements'], config.mac['icon']])
      expect(fs.existsSync(path.join(root, String(file))), String(file)).toBe(true);
  });

  it("flips Electron's fuses (configured: only a real binary can show them flipped)", () => {
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      // An unsigned arm64 build must get a fresh ad hoc signature after the flip, or it will not launch.
      resetAdHocDarwinSignature: true,
    });
    // A release build with notarize on fails without the API key (tests/unit/notarization-credentials.test.ts).
    expect(config['afterPack']).toBe('scripts/require-notarization-credentials.cjs');
  });

  it('ships template tray icons: black and alpha only, 16 px and 32 px', () => {
    for (const [file, size] of [
      ['iconTemplate.png', 16],
      ['iconTemplate@2x.png', 32],
    ] as const) {
      const png = fs.readFileSync(path.join(root, 'resources', file));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
      expect(png[25], 'colour type RGBA').toBe(6);
    }
  });
});
