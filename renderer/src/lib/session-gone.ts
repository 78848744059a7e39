import type { SessionRow } from '../../../src/api/session-row.js';

type Closed = Pick<SessionRow, 'state' | 'cleanedUp'>;

/**
 * The session's worktree is gone: discarded, or cleaned up after a merge (its state stays "merged",
 * so the state alone does not say it). Nothing that needs the worktree or the branch is offered then.
 */
export function worktreeGone(session: Closed): boolean {
  return session.state === 'discarded' || session.cleanedUp;
}

/** Why an action on the worktree is not offered (null: it is there). */
export function goneReason(session: Closed): string | null {
  if (session.state === 'discarded') return 'This session was discarded.';
  if (session.cleanedUp) return 'This session was merged and its worktree removed.';
  return null;
}

/**
 * A reply can continue the session: its branch is still there (a merge that removed only the worktree
 * leaves it, and the reply makes the worktree again from it).
 */
export function canContinue(session: Pick<SessionRow, 'state' | 'branchRemoved'>): boolean {
  return session.state !== 'discarded' && !session.branchRemoved;
}
