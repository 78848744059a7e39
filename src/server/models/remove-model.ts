import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../../errors/factory-error.js';
import { hfCacheDir, repoFolderName } from './hf-cache.js';
import { REPO_ID_PATTERN } from './pull-model.js';

/**
 * `models rm`: deletes a model's folder from the hub cache (its blobs, snapshots and refs; with
 * its lock folder) and says how much space that freed. Only a repo id in the hub cache: a model
 * folder elsewhere belongs to the user. No link is followed out of the cache: a folder of the
 * layout that is a link (`<cache>/.locks`, the repo's own folder) is removed as a link or left
 * alone, never recursed into, and the freed figure counts only regular files inside the cache.
 */
export interface RemoveResult {
  readonly model: string;
  readonly folder: string;
  readonly freedBytes: number;
}

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch {
    return null;
  }
}

/** Bytes of the regular files under `dir`, links neither followed nor counted. */
function regularFileBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += regularFileBytes(full);
    else if (entry.isFile()) total += lstatOrNull(full)?.size ?? 0;
  }
  return total;
}

/** Removes `target` when it is a real folder (rm does not follow links inside it) or a link (the link only). */
function removeInsideCache(target: string): number {
  const stat = lstatOrNull(target);
  if (stat === null) return 0;
  if (!stat.isDirectory()) {
    fs.rmSync(target, { force: true });
    return 0;
  }
  const bytes = regularFileBytes(target);
  fs.rmSync(target, { recursive: true, force: true });
  return bytes;
}

export function removeModel(model: string, env: NodeJS.ProcessEnv = process.env): RemoveResult {
  if (!REPO_ID_PATTERN.test(model))
    throw new FactoryError(
      'BAD_USAGE',
      `"${model}" is not a Hugging Face repo id; \`models rm\` only deletes models from the Hugging Face cache.`,
    );
  const cache = hfCacheDir(env);
  const folder = path.join(cache, repoFolderName(model));
  if (lstatOrNull(folder) === null) throw new FactoryError('MODEL_NOT_FOUND', `${model} is not in the Hugging Face cache (${cache}).`);
  const freedBytes = removeInsideCache(folder);
  // Through `.locks` only when it is a real folder of the cache: a link there points elsewhere.
  if (lstatOrNull(path.join(cache, '.locks'))?.isDirectory() === true) removeInsideCache(path.join(cache, '.locks', repoFolderName(model)));
  return { model, folder, freedBytes };
}
