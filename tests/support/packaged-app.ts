// The packaged app's layout, emulated here (electron-builder cannot make a .app on Linux): the
// project's files picked by electron-builder.yml's `files`, the production dependency tree that
// electron-builder adds, packed into a real app.asar with @electron/asar (`asarUnpack` honoured);
// `extraResources` copied beside it. Only Electron's patched fs reads inside an archive, so in its
// place (Contents/Resources/app.asar/, a folder) go the very files it was packed from: the bundle
// runs from exactly the archive's file set (tests compare it with the archive's listing) and only
// the packed node_modules.
import asar from '@electron/asar';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from './test-deps.js';

const require = createRequire(import.meta.url);
// electron-builder matches its file patterns with minimatch; so does this emulation.
const minimatch = require('minimatch') as (file: string, pattern: string, options?: { dot?: boolean }) => boolean;

/** electron-builder's fixed exclusions inside a dependency (its docs: "Application Contents"). */
const BUILDER_ALWAYS_EXCLUDED = [
  '**/*.d.ts',
  '{CHANGELOG.md,README.md,README,readme.md,readme}',
  '{test,__tests__,tests,powered-test,example,examples}/**',
  '**/{.DS_Store,.git,.gitignore,.gitattributes,.editorconfig,.npmignore}',
];

const BuilderConfigSchema = z.object({
  files: z.array(z.string()),
  asarUnpack: z.array(z.string()).optional(),
  extraResources: z.array(z.object({ from: z.string(), to: z.string(), filter: z.array(z.string()) })).default([]),
});

export interface PackagedApp {
  /** The temp folder holding everything; remove it when done. */
  readonly dir: string;
  /** The real archive, as electron-builder would write it. */
  readonly asarFile: string;
  /** Contents/Resources: `process.resourcesPath` of the packaged app. */
  readonly resourcesPath: string;
  /** Contents/Resources/app.asar/out/main/index.js (the packed files, in the archive's place). */
  readonly bundle: string;
  /** Every file in the archive, as `/out/main/index.js` (asar's own listing). */
  readonly asarFiles: ReadonlySet<string>;
  /** Files that asarUnpack put in app.asar.unpacked (readable by other programs). */
  readonly unpacked: ReadonlySet<string>;
}

function matches(relative: string, patterns: readonly string[]): boolean {
  let included = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (minimatch(relative, pattern.slice(1), { dot: true })) included = false;
    } else if (minimatch(relative, pattern, { dot: true })) included = true;
  }
  return included;
}

function walk(dir: string, base: string, skip: ReadonlySet<string>, out: string[]): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const relative = path.relative(base, full).split(path.sep).join('/');
    if (skip.has(relative)) continue;
    if (entry.isDirectory()) walk(full, base, skip, out);
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

function copyFile(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function dependencyNames(pkg: Record<string, unknown>): string[] {
  const names = (field: string): string[] => Object.keys((pkg[field] as Record<string, string> | undefined) ?? {});
  return [...names('dependencies'), ...names('optionalDependencies')];
}

/** Where Node would find `name` from `fromDir` inside the project (node_modules, walking up to the root). */
function findPackage(name: string, fromDir: string, root: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return null;
  }
}

/** The production dependency closure (dependencies and installed optional ones), as folders relative to the root. */
export function productionPackages(root: string = REPO_ROOT): string[] {
  const found = new Set<string>();
  const visit = (pkgDir: string): void => {
    for (const name of dependencyNames(readJson(path.join(pkgDir, 'package.json')))) {
      const dir = findPackage(name, pkgDir, root);
      if (dir === null) continue; // an optional dependency for another platform
      const relative = path.relative(root, dir);
      if (found.has(relative)) continue;
      found.add(relative);
      visit(dir);
    }
  };
  visit(root);
  return [...found].sort();
}

export async function packApp(root: string = REPO_ROOT): Promise<PackagedApp> {
  const config = BuilderConfigSchema.parse(parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')));
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-packaged-')));
  const stage = path.join(dir, 'stage');
  // 1. The app's own files, picked by `files`.
  const projectFiles = walk(root, root, new Set(['node_modules', '.git', '.cache', 'test-results', 'dist']), []);
  for (const relative of projectFiles) if (matches(relative, config.files)) copyFile(path.join(root, relative), path.join(stage, relative));
  // 2. The production dependencies (never devDependencies), as electron-builder adds them, less what
  //    it always leaves out of node_modules (type declarations, readmes, tests, examples, .bin).
  for (const pkg of productionPackages(root)) {
    const pkgDir = path.join(root, pkg);
    for (const relative of walk(pkgDir, pkgDir, new Set(['node_modules', '.bin']), [])) {
      if (!BUILDER_ALWAYS_EXCLUDED.some((pattern) => minimatch(relative, pattern, { dot: true })))
        copyFile(path.join(pkgDir, relative), path.join(stage, pkg, relative));
    }
  }
  // 3. The archive.
  const packDir = path.join(dir, 'pack');
  fs.mkdirSync(packDir);
  const asarFile = path.join(packDir, 'app.asar');
  const unpackPatterns = config.asarUnpack ?? [];
  await asar.createPackageWithOptions(stage, asarFile, unpackPatterns.length === 0 ? {} : { unpack: `{${unpackPatterns.join(',')}}` });
  // 4. The .app's Resources: the packed files in the archive's place, app.asar.unpacked, extraResources.
  const resourcesPath = path.join(dir, 'MLX Factory.app', 'Contents', 'Resources');
  const inPlace = path.join(resourcesPath, 'app.asar');
  fs.mkdirSync(resourcesPath, { recursive: true });
  fs.renameSync(stage, inPlace);
  const unpacked = new Set<string>();
  if (fs.existsSync(`${asarFile}.unpacked`)) {
    fs.cpSync(`${asarFile}.unpacked`, `${inPlace}.unpacked`, { recursive: true });
    for (const relative of walk(`${asarFile}.unpacked`, `${asarFile}.unpacked`, new Set(), [])) unpacked.add(`/${relative}`);
  }
  for (const extra of config.extraResources) {
    const from = path.join(root, extra.from);
    for (const relative of walk(from, from, new Set(), []))
      if (matches(relative, extra.filter)) copyFile(path.join(from, relative), path.join(resourcesPath, extra.to, relative));
  }
  const asarFiles = new Set(
    asar
      .listPackage(asarFile, { isPack: false })
      .filter((entry) => (asar.statFile(asarFile, entry.slice(1)) as { files?: unknown }).files === undefined),
  );
  return { dir, asarFile, resourcesPath, bundle: path.join(inPlace, 'out', 'main', 'index.js'), asarFiles, unpacked };
}
