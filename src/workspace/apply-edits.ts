import { applySearchReplace } from '../agents/apply-search-replace.js';
import type { CoderEdit, RejectedEdit } from '../agents/parse-coder-reply.js';
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
    if (edit.kind === 'whole-file') {
      const written = writeWorktreeFile(worktree, edit.path, edit.content);
      if (written.ok) applied.add(edit.path);
      else failed.push({ path: edit.path, reason: written.reason });
      continue;
    }
    const current = readWorktreeText(worktree, edit.path, { maxBytes: MAX_EDITABLE_BYTES, overCap: 'refuse' });
    if (!current.ok && current.code !== 'missing') {
      failed.push({ path: edit.path, reason: current.reason });
      continue;
    }
    const text = current.ok ? current.text : null;
    if (text === null && edit.search.trim() !== '') {
      failed.push({ path: edit.path, reason: 'the file does not exist; send the whole file instead of a SEARCH/REPLACE block' });
      continue;
    }
    const next = applySearchReplace(text ?? '', edit.search, edit.replace);
    if (next === null) {
      failed.push({ path: edit.path, reason: 'the SEARCH text was not found in the file; copy it exactly from the current file' });
      continue;
    }
    const written = writeWorktreeFile(worktree, edit.path, next);
    if (written.ok) applied.add(edit.path);
    else failed.push({ path: edit.path, reason: written.reason });
  }
  return { applied: [...applied], failed };
}
