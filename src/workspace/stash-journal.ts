import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Stash-and-merge's journal (`<common dir>/mlx-factory/stash-journal.json`), beside the merge journal:
 * which step the last stash-and-merge reached, so the next command on the repository knows where the
 * user's changes are (still in the checkout, or under the stash ref) after a crash or a conflicting
 * restore. Repository content a check could write, so it is validated and its checkout verified before
 * anything is done with it.
 *
 *   stashing  → the stash is being built; nothing in the checkout has changed
 *   stashed   → the ref holds the changes; the checkout is being cleared (maybe half-way)
 *   merged    → cleared and fast-forwarded; the changes are only in the ref
 *   restoring → `git stash apply` is running; `expected` is what the stashed paths hold after it
 *   kept      → the restore conflicted (or was refused): the changes stay in the ref until the user acts
 */
const stashSchema = z.object({
  ref: z.string().regex(/^refs\/factory\/stash\/\d+$/),
  commit: z.string().regex(/^[0-9a-f]{40,64}$/),
  base: z.string().regex(/^[0-9a-f]{40,64}$/),
  tracked: z.array(z.string()).readonly(),
  untracked: z.array(z.string()).readonly(),
});

const journalSchema = z.object({
  version: z.literal(1),
  checkout: z.string(),
  phase: z.enum(['stashing', 'stashed', 'merged', 'restoring', 'kept']),
  stash: stashSchema.nullable(),
  /** The tree `git merge-tree` predicted for the restore (phase restoring). */
  expected: z.string().nullable(),
  /** Files the restore conflicted in (phase kept). */
  conflicts: z.array(z.string()).readonly(),
  target: z.string(),
  startedAt: z.string(),
});
export type StashJournal = z.infer<typeof journalSchema>;

export function stashJournalFile(commonDir: string): string {
  return path.join(commonDir, 'mlx-factory', 'stash-journal.json');
}

/** The journal, or null when there is none; one that does not parse is reported, never acted on. */
export function readStashJournal(file: string): StashJournal | 'invalid' | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = journalSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** Written whole (temp file + rename), so a crash leaves the old or the new journal, never half of one. */
export function writeStashJournal(file: string, journal: StashJournal): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(journal));
  fs.renameSync(temp, file);
}
