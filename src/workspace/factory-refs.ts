import { listRefs } from './git/for-each-ref.js';

/**
 * Private refs that keep a session's work reachable after it leaves its branch (Conductor keeps its
 * checkpoints in private refs too). Under refs/factory/ they are invisible to `git branch` and `git log
 * --all` shows them only on purpose, but gc keeps every commit they point at.
 */
export const factoryRefs = {
  prefix: (id: string): string => `refs/factory/${id}/`,
  /** The branch head before the n-th rollback (the dropped commits). */
  rollback: (id: string, n: number): string => `refs/factory/${id}/rollback/${n}`,
  /** Uncommitted work found in the worktree at the n-th rollback. */
  rollbackWip: (id: string, n: number): string => `refs/factory/${id}/rollback/${n}-wip`,
  /** The branch head when the session was discarded. */
  archive: (id: string): string => `refs/factory/${id}/archive`,
  archiveWip: (id: string): string => `refs/factory/${id}/archive-wip`,
  /** The session head taken by the n-th merge. */
  merged: (id: string, n: number): string => `refs/factory/${id}/merged/${n}`,
  /** Half-done work of an interrupted attempt, put aside by the n-th resume. */
  interrupted: (id: string, n: number): string => `refs/factory/${id}/interrupted/${n}`,
  /** Uncommitted work in the worktree when it was removed after a merge. */
  mergedWip: (id: string, n: number): string => `refs/factory/${id}/merged/${n}-wip`,
} as const;

/** The next free number for a numbered ref family (rollback/1, rollback/2 …). */
export async function nextRefNumber(repoRoot: string, familyPrefix: string): Promise<number> {
  const refs = await listRefs(repoRoot, familyPrefix);
  let max = 0;
  for (const { ref } of refs) {
    const n = Number(/^(\d+)$/.exec(ref.slice(familyPrefix.length))?.[1]);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max + 1;
}
