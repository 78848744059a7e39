import { monaco } from './setup.js';

/**
 * A text model for the read-only review. Bracket pair colorization is a *model* option: the diff
 * editor's `bracketPairColorization: {enabled: false}` never reaches the models (standalone Monaco
 * pushes only whole configuration keys, and this one is registered as
 * `editor.bracketPairColorization.enabled`), so every model kept it on, and the first paint of a
 * 10,000-line file tokenized and parsed the whole file for its bracket tree — most of the cold
 * open's main-thread time (issue #20, measured with a CPU profile of bench/ui.ts's click).
 */
export function createReviewModel(text: string, language: string): monaco.editor.ITextModel {
  const model = monaco.editor.createModel(text, language);
  model.updateOptions({ bracketColorizationOptions: { enabled: false, independentColorPoolPerBracketType: false } });
  return model;
}
