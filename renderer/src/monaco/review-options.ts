import type { monaco } from './setup.js';

/**
 * The review's diff editor options, one set for the editor on screen and the one that prepares a
 * file's diff ahead (prepare-diff.ts), so both ask the worker the same question.
 */
export const REVIEW_DIFF_OPTIONS: monaco.editor.IStandaloneDiffEditorConstructionOptions & monaco.editor.IGlobalEditorOptions = {
  // A model option, read when a model is made: standalone Monaco copies it from the first diff
  // editor's options into its configuration. A read-only review never indents, and guessing the
  // indentation scans the file — half of making a 10,000-line model (issue #20, CPU profile).
  detectIndentation: false,
  readOnly: true,
  originalEditable: false,
  originalAriaLabel: 'Before',
  modifiedAriaLabel: 'After',
  // Below 900 px Monaco would silently switch to inline; the toggle decides, not the width.
  useInlineViewWhenSpaceIsLimited: false,
  automaticLayout: true,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  fontSize: 12,
  lineHeight: 18,
  fontFamily: 'ui-monospace, "SF Mono", SFMono-Regular, Menlo, Monaco, "DejaVu Sans Mono", monospace',
  renderOverviewRuler: true,
  ignoreTrimWhitespace: false,
  enableSplitViewResizing: true,
  // Big generated files: give the worker time rather than showing "diff too expensive".
  maxComputationTime: 10_000,
  maxFileSize: 100,
  scrollbar: { alwaysConsumeMouseWheel: false },
  // A review does not edit: no revert arrows, glyph margin, folding or sticky scroll (which
  // outlines the whole file), no whole-file scans (unicode, links, colours, brackets) — they
  // cost more than the diff itself on a 10,000-line file.
  renderMarginRevertIcon: false,
  glyphMargin: false,
  folding: false,
  stickyScroll: { enabled: false },
  unicodeHighlight: { ambiguousCharacters: false, invisibleCharacters: false, nonBasicASCII: false },
  links: false,
  colorDecorators: false,
  bracketPairColorization: { enabled: false },
  guides: { indentation: false, bracketPairs: false, highlightActiveIndentation: false },
  matchBrackets: 'never',
  occurrencesHighlight: 'off',
  selectionHighlight: false,
  renderLineHighlight: 'none',
  codeLens: false,
  // Folding unchanged regions away was measured (bench/ui.ts, 10,000 lines, 100 hunks): Monaco's
  // hidden areas made the diff 2.5–3× slower to show (~800 ms vs ~290 ms), so whole files it is.
  hideUnchangedRegions: { enabled: false },
  hover: { enabled: 'off' },
  contextmenu: true,
};
