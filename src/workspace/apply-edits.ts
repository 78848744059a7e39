import fs from 'node:fs';
import path from 'node:path';
import { applySearchReplace } from '../agents/apply-search-replace.js';
import type { CoderEdit, RejectedEdit } from '../agents/parse-coder-reply.js';
import { inferredRewriteRefusal } from '../agents/rewrite-check.js';

/**
 * Writes the Coder's edits into a worktree. Paths were vetted as text by the parser; here the real
 * filesystem is checked too, so a symlink inside the worktree cannot lead a write outside it.
 */
export interface ApplyResult {
  readonly applied: readonly string[];
  readonly failed: readonly RejectedEdit[];
}

export function applyEdits(worktree: string, edits: readonly CoderEdit[]): ApplyResult {
  const root = fs.realpathSync(worktree);
  const applied = new Set<string>();
  const failed: RejectedEdit[] = [];
  for (const edit of edits) {
    const target = path.join(root, edit.path);
    if (!staysInside(root, target)) {
      failed.push({ path: edit.path, reason: 'the path leads outside the worktree (through a symbolic link)' });
      continue;
    }
    if (edit.kind === 'whole-file') {
      const refusal = edit.pathInferred === true ? inferredRewriteRefusal(edit.path, readIfExists(target), edit.content) : undefined;
      if (refusal !== undefined) {
        failed.push({ path: edit.path, reason: refusal });
        continue;
      }
      writeFile(target, edit.content);
      applied.add(edit.path);
      continue;
    }
    const current = readIfExists(target);
    if (current === null && edit.search.trim() !== '') {
      failed.push({ path: edit.path, reason: 'the file does not exist; send the whole file instead of a SEARCH/REPLACE block' });
      continue;
    }
    const next = applySearchReplace(current ?? '', edit.search, edit.replace);
    if (!next.ok) {
      failed.push({ path: edit.path, reason: next.reason });
      continue;
    }
    writeFile(target, next.content);
    applied.add(edit.path);
  }
  return { applied: [...applied], failed };
}

/** True when the deepest existing ancestor of `target` (symlinks resolved) is inside `root`. */
export function staysInside(root: string, target: string): boolean {
  let probe = target;
  while (!fs.existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) return false;
    probe = parent;
  }
  const real = fs.realpathSync(probe);
  const relative = path.relative(root, real);
  if (relative === '') return true;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function writeFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}
