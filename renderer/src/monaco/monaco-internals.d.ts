// The two pieces of Monaco's internals prepare-diff.ts uses (monaco-editor 0.57 ships no types for
// them): the editor worker service, which syncs models to the worker and computes their diff.
declare module 'monaco-editor/editor/standalone/browser/standaloneServices' {
  export const StandaloneServices: { get<T>(id: { readonly type?: T }): T };
}

declare module 'monaco-editor/editor/common/services/editorWorker' {
  import type { Uri } from 'monaco-editor/editor/editor.api';
  export interface DiffComputationResult {
    readonly identical: boolean;
    readonly quitEarly: boolean;
  }
  export interface IEditorWorkerService {
    computeDiff(
      original: Uri,
      modified: Uri,
      options: { ignoreTrimWhitespace: boolean; maxComputationTimeMs: number; computeMoves: boolean },
      algorithm: 'legacy' | 'advanced',
    ): Promise<DiffComputationResult | null>;
  }
  export const IEditorWorkerService: { readonly type?: IEditorWorkerService };
}
