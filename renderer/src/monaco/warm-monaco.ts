import { defineReviewThemes } from './review-themes.js';
import { createReviewModel } from './review-model.js';
import { REVIEW_DIFF_OPTIONS } from './review-options.js';
import { languageForPath, monaco } from './setup.js';

let warmed: Promise<void> | null = null;

/**
 * Pays Monaco's one-time costs before the first real diff (issue #20: the cold first open of a
 * 10,000-line diff took 456–658 ms, the warm ones ~143 ms): a diff editor off screen computes a
 * small diff in Python — which starts the diff worker, loads the tokenizer and the themes and
 * lays out the fonts — and is then thrown away. Once per page; called when Changes can be next.
 */
export function warmMonaco(): Promise<void> {
  warmed ??= new Promise<void>((resolve) => {
    const host = document.createElement('div');
    host.setAttribute('aria-hidden', 'true');
    host.style.cssText = 'position:fixed;left:-10000px;top:0;width:800px;height:300px;visibility:hidden;pointer-events:none';
    document.body.append(host);
    defineReviewThemes();
    const language = languageForPath('warm.py');
    const original = createReviewModel('def f(x):\n    return x\n\nprint(f(1))\n', language);
    const modified = createReviewModel('def f(x):\n    return x + 1\n\nprint(f(2))\n', language);
    // The review's options: they also set the model options every later model is made with.
    const editor = monaco.editor.createDiffEditor(host, { ...REVIEW_DIFF_OPTIONS, automaticLayout: false });
    editor.setModel({ original, modified });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      subscription.dispose();
      editor.dispose();
      original.dispose();
      modified.dispose();
      host.remove();
      resolve();
    };
    const subscription = editor.onDidUpdateDiff(finish);
    // A worker that never answers must not keep the off-screen editor forever.
    const timer = setTimeout(finish, 10_000);
  });
  return warmed;
}
