import fs from 'node:fs';
import path from 'node:path';
import { cachedRepoBytes, directoryBytes, hfCacheDir, listCachedRepos, snapshotDir } from './hf-cache.js';
import os from 'node:os';
import { lmStudioModelDirs, lmStudioModelFolders } from './lm-studio-dirs.js';
import { checkModelFolder } from './model-folder.js';

/**
 * Models on this machine: the Hugging Face cache plus configured folders (each either a model
 * folder itself or a folder of model folders), with their size on disk and whether they load.
 */
export interface LocalModel {
  /** What to pass as --model: the repo id for the hub cache, the absolute folder otherwise. */
  readonly id: string;
  /** The folder mlx_lm reads. */
  readonly path: string;
  readonly source: 'hf-cache' | 'lm-studio' | 'folder';
  readonly sizeBytes: number;
  /** config.json and model*.safetensors are present. */
  readonly loadable: boolean;
  readonly problem: string | null;
}

export interface ListModelsOptions {
  readonly folders?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly homedir?: string;
}

function fromFolder(dir: string, source: 'lm-studio' | 'folder' = 'folder'): LocalModel {
  const check = checkModelFolder(dir);
  return { id: dir, path: dir, source, sizeBytes: directoryBytes(dir), loadable: check.ok, problem: check.problem };
}

export function listLocalModels(options: ListModelsOptions = {}): LocalModel[] {
  const models: LocalModel[] = [];
  const cache = hfCacheDir(options.env, options.homedir);
  for (const repoId of listCachedRepos(cache)) {
    const snapshot = snapshotDir(cache, repoId);
    if (snapshot === null) continue;
    // Datasets and tokenizer-only repos share the cache; only folders with a config.json are models.
    if (!fs.existsSync(path.join(snapshot, 'config.json'))) continue;
    const check = checkModelFolder(snapshot);
    models.push({
      id: repoId,
      path: snapshot,
      source: 'hf-cache',
      sizeBytes: cachedRepoBytes(cache, repoId),
      loadable: check.ok,
      problem: check.problem,
    });
  }
  // LM Studio's own folders: used in place, never downloaded again (#17).
  for (const root of lmStudioModelDirs(options.homedir ?? os.homedir()))
    for (const dir of lmStudioModelFolders(root)) if (!models.some((m) => m.path === dir)) models.push(fromFolder(dir, 'lm-studio'));
  for (const folder of options.folders ?? []) {
    const dir = path.resolve(folder);
    if (fs.existsSync(path.join(dir, 'config.json'))) {
      models.push(fromFolder(dir));
      continue;
    }
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const sub = path.join(dir, name);
      if (fs.existsSync(path.join(sub, 'config.json'))) models.push(fromFolder(sub));
    }
  }
  return models;
}
