import { IDiffProviderFactoryService } from 'monaco-editor/editor/browser/widget/diffEditor/diffProviderFactoryService';
import { StandaloneServices } from 'monaco-editor/editor/standalone/browser/standaloneServices';
import type { FilePair } from '../../../src/api/payloads.js';
import { hasReviewModels, reviewModels } from './review-models.js';
import { REVIEW_DIFF_OPTIONS } from './review-options.js';

/**
 * Makes a file's diff cheap to open before it is chosen (issue #20: the first open of a 10,000-line
 * file was the slow one): in idle time its two models are built (kept by review-models.ts) and sent
 * to the diff worker, which computes their diff. Choosing the file then finds its models made and
 * their diff known — the diff editor's provider keeps its last results, keyed by the two models and
 * the options, and this asks through the same kind of provider with the editor's options — so the
 * editor on screen only attaches them and draws.
 *
 * Through Monaco's own diff provider factory (an internal of 0.57, declared in
 * monaco-internals.d.ts) rather than a diff editor off screen: a second `.monaco-diff-editor` would
 * build a view for nothing and be in the page beside the review's. If the service is not there (a
 * Monaco upgrade moved it), files simply open unprepared.
 *
 * One file at a time, the latest wish first; files already kept are skipped. Only text that Monaco
 * is shown (not binary, not too large).
 */
const queue: FilePair[] = [];
let running = false;

export function prepareDiff(pair: FilePair): void {
  if (pair.left.binary || pair.right.binary || pair.left.tooLarge || pair.right.tooLarge) return;
  if (hasReviewModels(pair) || queue.includes(pair)) return;
  queue.unshift(pair);
  if (!running) schedule();
}

function schedule(): void {
  running = true;
  const next = (): void => {
    const pair = queue.shift();
    if (pair === undefined) {
      running = false;
      return;
    }
    if (hasReviewModels(pair)) {
      next();
      return;
    }
    void diffInWorker(pair).finally(schedule);
  };
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(next, { timeout: 2000 });
  else setTimeout(next, 0);
}

/** Exactly what the review's diff editor asks (DiffEditorViewModel), so its cached answer fits. */
const DIFF_OPTIONS = {
  ignoreTrimWhitespace: REVIEW_DIFF_OPTIONS.ignoreTrimWhitespace ?? false,
  maxComputationTimeMs: REVIEW_DIFF_OPTIONS.maxComputationTime ?? 5000,
  computeMoves: false,
};

async function diffInWorker(pair: FilePair): Promise<void> {
  const models = reviewModels(pair);
  try {
    const provider = StandaloneServices.get(IDiffProviderFactoryService).createDiffProvider({ diffAlgorithm: 'advanced' });
    try {
      await provider.computeDiff(models.original, models.modified, DIFF_OPTIONS, { isCancellationRequested: false });
    } finally {
      provider.dispose();
    }
  } catch {
    // Preparing is an optimisation: the editor on screen computes the diff anyway.
  }
}
