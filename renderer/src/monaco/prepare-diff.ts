import { IEditorWorkerService } from 'monaco-editor/editor/common/services/editorWorker';
import { StandaloneServices } from 'monaco-editor/editor/standalone/browser/standaloneServices';
import type { FilePair } from '../../../src/api/payloads.js';
import { hasReviewModels, reviewModels } from './review-models.js';
import { REVIEW_DIFF_OPTIONS } from './review-options.js';

/**
 * Makes a file's diff cheap to open before it is chosen (issue #20: the first open of a 10,000-line
 * file was the slow one): in idle time its two models are built (kept by review-models.ts) and sent
 * to the diff worker, which computes their diff once. Choosing the file then finds its models made
 * and the worker holding their text, so the editor on screen only attaches them, asks for the diff
 * again and draws.
 *
 * Through Monaco's own editor worker service (an internal of 0.57, declared in
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

async function diffInWorker(pair: FilePair): Promise<void> {
  const models = reviewModels(pair);
  try {
    const service = StandaloneServices.get(IEditorWorkerService);
    await service.computeDiff(
      models.original.uri,
      models.modified.uri,
      {
        ignoreTrimWhitespace: REVIEW_DIFF_OPTIONS.ignoreTrimWhitespace ?? false,
        maxComputationTimeMs: REVIEW_DIFF_OPTIONS.maxComputationTime ?? 5000,
        computeMoves: false,
      },
      'advanced',
    );
  } catch {
    // Preparing is an optimisation: the editor on screen computes the diff anyway.
  }
}
