import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../../errors/factory-error.js';
import { cachedRepoBytes, hfCacheDir, repoFolderName } from './hf-cache.js';
import { REPO_ID_PATTERN } from './pull-model.js';

/**
 * `models rm`: deletes a model's folder from the hub cache (its blobs, snapshots and refs; with
 * its lock folder) and says how much space that freed. Only a repo id in the hub cache: a model
 * folder elsewhere belongs to the user.
 */
export interface RemoveResult {
  readonly model: string;
  readonly folder: string;
  readonly freedBytes: number;
}

export function removeModel(model: string, env: NodeJS.ProcessEnv = process.env): RemoveResult {
  if (!REPO_ID_PATTERN.test(model))
    throw new FactoryError(
      'BAD_USAGE',
      `"${model}" is not a Hugging Face repo id; \`models rm\` only deletes models from the Hugging Face cache.`,
    );
  const cache = hfCacheDir(env);
  const folder = path.join(cache, repoFolderName(model));
  if (!fs.existsSync(folder)) throw new FactoryError('MODEL_NOT_FOUND', `${model} is not in the Hugging Face cache (${cache}).`);
  const freedBytes = cachedRepoBytes(cache, model);
  fs.rmSync(folder, { recursive: true, force: true });
  fs.rmSync(path.join(cache, '.locks', repoFolderName(model)), { recursive: true, force: true });
  return { model, folder, freedBytes };
}
