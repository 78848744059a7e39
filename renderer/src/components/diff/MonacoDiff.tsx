import { useLayoutEffect, useRef, useState } from 'react';
import type { FilePair } from '../../../../src/api/payloads.js';
import { usePrefersDark } from '../../hooks/use-prefers-dark.js';
import { defineReviewThemes, REVIEW_THEME } from '../../monaco/review-themes.js';
import { createReviewModel } from '../../monaco/review-model.js';
import { languageForPath, monaco } from '../../monaco/setup.js';

/**
 * Monaco's diff editor, read-only, created once and kept while the user moves between files:
 * choosing a file swaps in its two models (new, or kept from a recent visit) and disposes models
 * only *after* the widget has let go of them (the order @monaco-editor/react 4.7 gets wrong on
 * unmount, monaco-react#647).
 * Re-creating the editor per file cost more than the diff itself on big files.
 */
const OPTIONS: monaco.editor.IStandaloneDiffEditorConstructionOptions = {
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

/**
 * The last few files' models, kept: going back to a file reuses them, so neither the 10,000-line
 * text buffers nor the worker's copies (the diff runs in the editor worker, which is sent each new
 * model's whole text) are built again. A file pair never changes content for the same commits.
 */
const KEPT_MODELS = 4;
type ModelPair = { original: monaco.editor.ITextModel; modified: monaco.editor.ITextModel };

function modelKey(pair: FilePair): string {
  return `${pair.base}:${pair.head}:${pair.path}`;
}

/** Lines of the "after" side (1-based, inclusive). */
export interface LineRange {
  readonly startLine: number;
  readonly endLine: number;
}

export function MonacoDiff({
  pair,
  mode,
  onSelectLines,
  commented = [],
}: {
  pair: FilePair;
  mode: 'side-by-side' | 'inline';
  /** The lines selected (or the cursor's line) in the "after" side, for a review comment. */
  onSelectLines?: (range: LineRange | null) => void;
  /** Lines with a review comment on them (highlighted). */
  commented?: readonly (LineRange & { readonly state: 'open' | 'sent' | 'resolved' })[];
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneDiffEditor | null>(null);
  /** Most recently used last; disposed only once the widget has let go of them. */
  const keptRef = useRef(new Map<string, ModelPair>());
  const dark = usePrefersDark();
  /** Which pair the shown diff is computed for, and its number of changes. */
  const [ready, setReady] = useState<{ pair: FilePair; changes: number } | null>(null);

  // Created first (layout effects run in order), disposed last: widget, then its models.
  useLayoutEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const editor = monaco.editor.createDiffEditor(host, { ...OPTIONS, renderSideBySide: mode === 'side-by-side' });
    editorRef.current = editor;
    const kept = keptRef.current;
    return () => {
      editor.dispose();
      // (The models on screen are among the kept ones.)
      for (const pairOfModels of kept.values()) {
        pairOfModels.original.dispose();
        pairOfModels.modified.dispose();
      }
      kept.clear();
      editorRef.current = null;
    };
    // (The mode and theme are applied by their own effects.)
  }, []);

  useLayoutEffect(() => {
    defineReviewThemes();
    monaco.editor.setTheme(dark ? REVIEW_THEME.dark : REVIEW_THEME.light);
  }, [dark]);

  useLayoutEffect(() => {
    editorRef.current?.updateOptions({ renderSideBySide: mode === 'side-by-side' });
  }, [mode]);

  useLayoutEffect(() => {
    const editor = editorRef.current;
    if (editor === null) return;
    const kept = keptRef.current;
    // Marks for the bench: where the time from choosing a file to its diff goes.
    performance.mark('diff-render-done');
    const key = modelKey(pair);
    let models = kept.get(key);
    kept.delete(key);
    if (models === undefined || models.original.isDisposed() || models.modified.isDisposed()) {
      const language = languageForPath(pair.path);
      models = {
        original: createReviewModel(pair.left.text ?? '', language),
        modified: createReviewModel(pair.right.text ?? '', language),
      };
    }
    kept.set(key, models);
    performance.mark('diff-models-created');
    editor.setModel(models);
    performance.mark('diff-model-set');
    // Past KEPT_MODELS files, the least recently shown go (never the ones on screen).
    for (const [oldKey, oldModels] of kept) {
      if (kept.size <= KEPT_MODELS) break;
      kept.delete(oldKey);
      oldModels.original.dispose();
      oldModels.modified.dispose();
    }
    const { modified } = models;
    // Named for screen readers (each side is a read-only text field).
    editor.getOriginalEditor().updateOptions({ ariaLabel: `${pair.path}, before` });
    editor.getModifiedEditor().updateOptions({ ariaLabel: `${pair.path}, after` });
    const markReady = (): boolean => {
      const current = editor.getModel();
      const changes = editor.getLineChanges();
      if (changes === null || current?.modified !== modified) return false;
      // For the bench and the e2e test: from choosing the file to its diff being known.
      performance.mark('diff-ready');
      setReady({ pair, changes: changes.length });
      return true;
    };
    const subscription = editor.onDidUpdateDiff(() => {
      if (markReady()) subscription.dispose();
    });
    return () => subscription.dispose();
  }, [pair]);

  // Selecting lines on the "after" side offers a review comment on them.
  const selectRef = useRef(onSelectLines);
  selectRef.current = onSelectLines;
  useLayoutEffect(() => {
    const editor = editorRef.current;
    if (editor === null) return;
    const modified = editor.getModifiedEditor();
    const subscription = modified.onDidChangeCursorSelection((e) => {
      const s = e.selection;
      // A selection that ends at column 1 of a line does not take that line.
      const end = s.endLineNumber > s.startLineNumber && s.endColumn === 1 ? s.endLineNumber - 1 : s.endLineNumber;
      selectRef.current?.({ startLine: s.startLineNumber, endLine: end });
    });
    return () => subscription.dispose();
  }, []);

  useLayoutEffect(() => {
    const editor = editorRef.current;
    if (editor === null) return;
    const decorations = editor.getModifiedEditor().createDecorationsCollection(
      commented.map((c) => ({
        range: new monaco.Range(c.startLine, 1, c.endLine, 1),
        options: {
          isWholeLine: true,
          className: `review-comment-line ${c.state}`,
          linesDecorationsClassName: `review-comment-mark ${c.state}`,
        },
      })),
    );
    return () => decorations.clear();
  }, [commented, pair]);

  const isReady = ready !== null && ready.pair === pair;
  return (
    <div
      className="monaco-host"
      ref={hostRef}
      data-diff-state={isReady ? 'ready' : 'loading'}
      data-diff-changes={isReady ? ready.changes : ''}
      data-diff-path={pair.path}
    />
  );
}
