import { useLayoutEffect, useRef, useState } from 'react';
import type { FilePair } from '../../../../src/api/payloads.js';
import { usePrefersDark } from '../../hooks/use-prefers-dark.js';
import { defineReviewThemes, REVIEW_THEME } from '../../monaco/review-themes.js';
import { releaseReviewModels, reviewModels } from '../../monaco/review-models.js';
import { REVIEW_DIFF_OPTIONS } from '../../monaco/review-options.js';
import { monaco } from '../../monaco/setup.js';

/** Lines of the "after" side (1-based, inclusive). */
export interface LineRange {
  readonly startLine: number;
  readonly endLine: number;
}

/**
 * Monaco's diff editor, read-only, created once and kept while the user moves between files:
 * choosing a file swaps in its two models (new, kept from a recent visit, or prepared ahead —
 * monaco/review-models.ts, prepare-diff.ts) and disposes models only *after* the widget has let go of them (the order @monaco-editor/react 4.7 gets wrong on
 * unmount, monaco-react#647).
 * Re-creating the editor per file cost more than the diff itself on big files.
 */
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
  const dark = usePrefersDark();
  /** Which pair the shown diff is computed for, and its number of changes. */
  const [ready, setReady] = useState<{ pair: FilePair; changes: number } | null>(null);

  // Created first (layout effects run in order), disposed last: widget, then its models.
  useLayoutEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const editor = monaco.editor.createDiffEditor(host, { ...REVIEW_DIFF_OPTIONS, renderSideBySide: mode === 'side-by-side' });
    editorRef.current = editor;
    return () => {
      editor.dispose();
      // (The models on screen are among the kept ones: let go of by the widget just now.)
      releaseReviewModels();
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
    // Marks for the bench: where the time from choosing a file to its diff goes.
    performance.mark('diff-render-done');
    const models = reviewModels(pair);
    performance.mark('diff-models-created');
    editor.setModel(models);
    performance.mark('diff-model-set');
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
