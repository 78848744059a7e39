import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FactoryError } from '../../errors/factory-error.js';
import { cachedRepoBytes, directoryBytes, hfCacheDir, snapshotDir } from './hf-cache.js';
import { findLmStudioModel } from './lm-studio-dirs.js';
import { checkModelFolder, kvBytesPerToken, readModelConfig } from './model-folder.js';
import { downloadHint, pullCommand } from './pull-hint.js';

/**
 * Turns server.model (a folder or a Hugging Face repo id) into what the server is started with.
 * A folder becomes an absolute path: mlx_lm.server resolves a relative one against its own cwd, and
 * a request's `model` must equal the --model string exactly or it loads another model. A repo id
 * must already be in the hub cache: the server runs with HF_HUB_OFFLINE=1, so nothing downloads
 * behind the user's back in the middle of a start.
 */
export interface ResolvedModel {
  /** The --model argument (and the only `model` value a request may send). */
  readonly arg: string;
  /** The folder with config.json and the weights. */
  readonly dir: string;
  readonly source: 'folder' | 'hf-cache';
  readonly weightsBytes: number;
  /** Size on disk of everything (a hub repo's blobs, or the folder's files). */
  readonly diskBytes: number;
  readonly kvBytesPerToken: number | null;
}

function looksLikePath(model: string): boolean {
  return (
    model.startsWith('/') ||
    model.startsWith('./') ||
    model.startsWith('../') ||
    model.startsWith('~') ||
    model === '.' ||
    /^[A-Za-z]:[\\/]/.test(model)
  );
}

export interface ResolveOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly homedir?: string;
}

export function resolveModel(model: string, options: ResolveOptions = {}): ResolvedModel {
  const homedir = options.homedir ?? os.homedir();
  const cwd = options.cwd ?? process.cwd();
  const asPath = path.resolve(cwd, model.replace(/^~(?=\/|$)/, homedir));
  const isRepoId = /^[\w.-]+\/[\w.-]+$/.test(model) && !looksLikePath(model);

  if (looksLikePath(model) || (!isRepoId && fs.existsSync(asPath)) || (isRepoId && fs.existsSync(path.join(asPath, 'config.json')))) {
    if (!fs.existsSync(asPath))
      throw new FactoryError('MODEL_NOT_FOUND', `The model folder ${asPath} does not exist (server.model / -m "${model}").`);
    const check = checkModelFolder(asPath);
    if (!check.ok) throw new FactoryError('MODEL_NOT_FOUND', `Cannot use ${asPath} as a model: ${check.problem ?? 'unknown problem'}.`);
    return {
      arg: asPath,
      dir: asPath,
      source: 'folder',
      weightsBytes: check.weightsBytes,
      diskBytes: directoryBytes(asPath),
      kvBytesPerToken: kvBytesPerToken(readModelConfig(asPath)),
    };
  }
  if (!isRepoId) {
    throw new FactoryError(
      'MODEL_NOT_FOUND',
      `"${model}" is neither an existing folder nor a Hugging Face repo id like mlx-community/Qwen2.5-Coder-7B-Instruct-4bit.`,
    );
  }
  const cache = hfCacheDir(options.env, homedir);
  const snapshot = snapshotDir(cache, model);
  // Not in the hub cache but in LM Studio's folder under the same publisher/name: use it there, no second download.
  const lmStudio = snapshot === null ? findLmStudioModel(model, homedir) : null;
  if (lmStudio !== null) return resolveModel(lmStudio, options);
  if (snapshot === null) {
    throw new FactoryError(
      'MODEL_NOT_FOUND',
      `${model} is not downloaded (looked in the Hugging Face cache ${cache}). ${downloadHint(model)}, or point server.model at a local MLX model folder.`,
      { model, pullCommand: pullCommand(model) },
    );
  }
  const check = checkModelFolder(snapshot);
  if (!check.ok) {
    throw new FactoryError(
      'MODEL_NOT_FOUND',
      `${model} is only partly downloaded: ${check.problem ?? ''}. Finish it with \`${pullCommand(model)}\` (it resumes).`,
      { model, pullCommand: pullCommand(model) },
    );
  }
  return {
    arg: model,
    dir: snapshot,
    source: 'hf-cache',
    weightsBytes: check.weightsBytes,
    diskBytes: cachedRepoBytes(cache, model),
    kvBytesPerToken: kvBytesPerToken(readModelConfig(snapshot)),
  };
}
