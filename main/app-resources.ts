import fs from 'node:fs';
import path from 'node:path';

/**
 * Every file the app uses at run time, found for the layout it runs in. Packaged, the bundles live
 * in Contents/Resources/app.asar (Electron reads inside it: preload, renderer, icons would work
 * there), but files another program reads — the sandbox profile for sandbox-exec — are copied
 * beside it by electron-builder's extraResources and found through `process.resourcesPath`.
 */
export interface AppLayout {
  readonly isPackaged: boolean;
  /** `process.resourcesPath` (Contents/Resources) when packaged. */
  readonly resourcesPath: string;
  /** The main bundle's folder (out/main, inside app.asar when packaged). */
  readonly bundleDir: string;
}

export interface AppResources {
  /** resources/ of the checkout, or Contents/Resources/resources (extraResources). */
  readonly resourcesDir: string;
  readonly trayIcon: string;
  /** Read by /usr/bin/sandbox-exec: must be a plain file, never inside app.asar. */
  readonly sandboxProfile: string;
  readonly preload: string;
  readonly rendererDir: string;
}

export function appResources(layout: AppLayout): AppResources {
  const resourcesDir = layout.isPackaged
    ? path.join(layout.resourcesPath, 'resources')
    : path.resolve(layout.bundleDir, '..', '..', 'resources');
  return {
    resourcesDir,
    trayIcon: path.join(resourcesDir, 'iconTemplate.png'),
    sandboxProfile: path.join(resourcesDir, 'sandbox', 'macos.sb'),
    preload: path.resolve(layout.bundleDir, '..', 'preload', 'index.cjs'),
    rendererDir: path.resolve(layout.bundleDir, '..', 'renderer'),
  };
}

/** True for a path inside an asar archive (where only Electron's own fs can read). */
function isInsideAsar(file: string): boolean {
  return file.split(path.sep).some((part) => part.endsWith('.asar'));
}

/** What is wrong with the resources: missing files, or a file for another program inside app.asar. */
export function resourceProblems(resources: AppResources, exists: (file: string) => boolean = fs.existsSync): string[] {
  const problems: string[] = [];
  const needed: Array<[string, string]> = [
    ['tray icon', resources.trayIcon],
    ['preload script', resources.preload],
    ['renderer', path.join(resources.rendererDir, 'index.html')],
    ['sandbox profile', resources.sandboxProfile],
  ];
  for (const [what, file] of needed) if (!exists(file)) problems.push(`the ${what} is missing (${file})`);
  if (isInsideAsar(resources.sandboxProfile))
    problems.push(`the sandbox profile is inside an archive sandbox-exec cannot read (${resources.sandboxProfile})`);
  return problems;
}
