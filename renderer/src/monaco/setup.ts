import * as monaco from 'monaco-editor/editor/editor.api';
// Only what a read-only review uses: the icon font, the diff editor's actions (next/previous
// change), find, copy and the context menu, and syntax colouring for the usual languages (each
// tokenizer loads on first use). No language services, so no worker beyond the editor's own,
// which computes the diff off the main thread.
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/diffEditor/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/languages/definitions/register.all';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

/**
 * Monaco, bundled (no CDN): imported as a module, so no AMD loader ever fetches it from jsDelivr
 * (we do not use @monaco-editor/react's loader at all), and its one worker is built by Vite as a
 * same-origin file (CSP `worker-src 'self'`).
 */
self.MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

export { monaco };

/** Monaco's language id for a file, from the languages it knows (extensions and file names). */
export function languageForPath(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const dot = name.lastIndexOf('.');
  const extension = dot < 0 ? null : name.slice(dot);
  for (const language of monaco.languages.getLanguages()) {
    if (language.filenames?.some((f) => f.toLowerCase() === name)) return language.id;
    if (extension !== null && language.extensions?.some((e) => e.toLowerCase() === extension)) return language.id;
  }
  return 'plaintext';
}
