// The pieces of Monaco's internals prepare-diff.ts uses (monaco-editor 0.57 ships no types for
// them): the service registry, and the factory of the worker-based diff provider the diff editor
// itself uses (which keeps its last results, keyed by the two models and the options).
declare module 'monaco-editor/editor/standalone/browser/standaloneServices' {
  export const StandaloneServices: { get<T>(id: { readonly type?: T }): T };
}

declare module 'monaco-editor/editor/browser/widget/diffEditor/diffProviderFactoryService' {
  import type { editor } from 'monaco-editor/editor/editor.api';
  export interface DocumentDiffProvider {
    computeDiff(
      original: editor.ITextModel,
      modified: editor.ITextModel,
      options: { ignoreTrimWhitespace: boolean; maxComputationTimeMs: number; computeMoves: boolean },
      cancellationToken: { readonly isCancellationRequested: boolean },
    ): Promise<{ readonly identical: boolean; readonly quitEarly: boolean }>;
  }
  export interface IDiffProviderFactoryService {
    createDiffProvider(options: { diffAlgorithm?: 'legacy' | 'advanced' }): DocumentDiffProvider & { dispose(): void };
  }
  export const IDiffProviderFactoryService: { readonly type?: IDiffProviderFactoryService };
}
