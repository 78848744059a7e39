import { applySearchReplace, usesCrlf } from '../agents/apply-search-replace.js';
import type { CoderEdit, RejectedEdit } from '../agents/parse-coder-reply.js';
import { inferredRewriteRefusal } from '../agents/rewrite-check.js';
import { readWorktreeText, writeWorktreeFile } from './worktree-files.js';

/**
 * Writes the Coder's edits into a worktree. Paths were vetted as text by the parser; here the real
 * file system is checked too (worktree-files.ts): no write through a link, none onto a FIFO, socket or
 * device. Each refusal becomes a correction for the Coder.
 */
export interface ApplyResult {
  readonly applied: readonly string[];
  readonly failed: readonly RejectedEdit[];
}

/** A file this large is not edited by SEARCH/REPLACE (it would not fit a prompt either). */
const MAX_EDITABLE_BYTES = 4 * 1024 * 1024;

export function applyEdits(worktree: string, edits: readonly CoderEdit[]): ApplyResult {
  const applied = new Set<string>();
  const failed: RejectedEdit[] = [];
  for (const edit of edits) {
    const current = readWorktreeText(worktree, edit.path, { maxBytes: MAX_EDITABLE_BYTES, overCap: 'refuse' });
    if (!current.ok && current.code !== 'missing') {
      failed.push({ path: edit.path, reason: current.reason });
      continue;
    }
    const text = current.ok ? current.text : null;
    let next: string;
    if (edit.kind === 'whole-file') {
      // A block whose path was guessed may replace a file only when it plainly is that file, rewritten.
      const refusal = edit.pathInferred === true ? inferredRewriteRefusal(edit.path, text, edit.content) : undefined;
      if (refusal !== undefined) {
        failed.push({ path: edit.path, reason: refusal });
        continue;
      }
      // The reply's line ends were normalised to LF when it was parsed; a CRLF file stays CRLF.
      next = text !== null && usesCrlf(text) ? edit.content.replace(/\r?\n/g, '\r\n') : edit.content;
    } else {
      if (text === null && edit.search.trim() !== '') {
        failed.push({ path: edit.path, reason: 'the file does not exist; send the whole file instead of a SEARCH/REPLACE block' });
        continue;
      }
      const replaced = applySearchReplace(text ?? '', edit.search, edit.replace);
      if (!replaced.ok) {
        failed.push({ path: edit.path, reason: replaced.reason });
        continue;
      }
      next = replaced.content;
    }
    const written = writeWorktreeFile(worktree, edit.path, next);
    if (written.ok) applied.add(edit.path);
    else failed.push({ path: edit.path, reason: written.reason });
  }
  return { applied: [...applied], failed };
}
