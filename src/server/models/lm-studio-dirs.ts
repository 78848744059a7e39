import fs from 'node:fs';
import path from 'node:path';

/**
 * LM Studio's models folders, as `<publisher>/<name>` folders: ~/.lmstudio/models (LM Studio 0.3
 * and later) and ~/.cache/lm-studio/models (earlier versions). The same paths on macOS and on
 * Linux (LM Studio's AppImage); on Windows the first is under %USERPROFILE%, which homedir gives.
 * Only those that exist are returned. LM Studio keeps GGUF models there too: they have no
 * config.json and are left out by the listing, since mlx_lm cannot load them.
 */
export function lmStudioModelDirs(homedir: string): string[] {
  return [path.join(homedir, '.lmstudio', 'models'), path.join(homedir, '.cache', 'lm-studio', 'models')].filter((dir) => {
    try {
      return fs.statSync(dir).isDirectory();
    } catch {
      return false;
    }
  });
}

/** `<publisher>/<name>` folders with a config.json under one LM Studio models folder, sorted. */
export function lmStudioModelFolders(root: string): string[] {
  const found: string[] = [];
  for (const publisher of safeList(root))
    for (const name of safeList(path.join(root, publisher))) {
      const dir = path.join(root, publisher, name);
      if (fs.existsSync(path.join(dir, 'config.json'))) found.push(dir);
    }
  return found;
}

/** The folder of an LM Studio model named `publisher/name`, if one of the folders has it with a config.json. */
export function findLmStudioModel(repoId: string, homedir: string): string | null {
  for (const root of lmStudioModelDirs(homedir)) {
    const dir = path.join(root, ...repoId.split('/'));
    if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  }
  return null;
}

function safeList(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
