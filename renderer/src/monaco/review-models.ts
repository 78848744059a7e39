import type { FilePair } from '../../../src/api/payloads.js';
import { createReviewModel } from './review-model.js';
import { languageForPath, monaco } from './setup.js';

/**
 * The last few files' models, kept: going back to a file — or opening one whose diff was prepared
 * ahead (prepare-diff.ts) — reuses them, so neither the 10,000-line text buffers nor the worker's
 * copies (the diff runs in the editor worker, which is sent each new model's whole text) are built
 * again. A file pair never changes content for the same commits, so the key is commits and path.
 */
const KEPT_MODELS = 6;

export interface ModelPair {
  readonly original: monaco.editor.ITextModel;
  readonly modified: monaco.editor.ITextModel;
}

const kept = new Map<string, ModelPair>();

function modelKey(pair: FilePair): string {
  return `${pair.base}:${pair.head}:${pair.path}`;
}

/** The pair's models, kept ones first (most recently used last). */
export function reviewModels(pair: FilePair): ModelPair {
  const key = modelKey(pair);
  let models = kept.get(key);
  kept.delete(key);
  if (models === undefined || models.original.isDisposed() || models.modified.isDisposed()) {
    const language = languageForPath(pair.path);
    models = { original: createReviewModel(pair.left.text ?? '', language), modified: createReviewModel(pair.right.text ?? '', language) };
  }
  kept.set(key, models);
  trimKeptModels();
  return models;
}

/** Whether the pair's models are kept (made, and possibly diffed, already). */
export function hasReviewModels(pair: FilePair): boolean {
  const models = kept.get(modelKey(pair));
  return models !== undefined && !models.original.isDisposed() && !models.modified.isDisposed();
}

/** Models some diff editor shows now: never disposed under it (the order monaco-react#647 got wrong). */
function attached(): Set<monaco.editor.ITextModel> {
  const inUse = new Set<monaco.editor.ITextModel>();
  for (const editor of monaco.editor.getDiffEditors()) {
    const model = editor.getModel();
    if (model === null) continue;
    inUse.add(model.original);
    inUse.add(model.modified);
  }
  return inUse;
}

/** Past KEPT_MODELS files, the least recently used go — never ones on screen. */
function trimKeptModels(limit = KEPT_MODELS): void {
  const inUse = attached();
  for (const [key, models] of kept) {
    if (kept.size <= limit) break;
    if (inUse.has(models.original) || inUse.has(models.modified)) continue;
    kept.delete(key);
    models.original.dispose();
    models.modified.dispose();
  }
}

/** Every kept model no editor shows (the review closed): their memory goes with the view. */
export function releaseReviewModels(): void {
  trimKeptModels(0);
}
