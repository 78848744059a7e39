import type { SessionInfo } from '../../src/api/payloads.js';

/** A list row as the host sends it (every field the projection gives), with the test's changes. */
export function sessionInfoFixture(id: string, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    name: 'Fix it',
    title: 'Fix it',
    repo: '/code/app',
    worktree: `/wt/${id}`,
    branch: `factory/${id}`,
    baseCommit: 'a',
    baseBranch: 'main',
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    state: 'passed',
    outcome: 'passed',
    reason: '',
    series: 1,
    attempts: 1,
    totalAttempts: 1,
    maxAttempts: 5,
    tokens: { prompt: 0, completion: 0 },
    totalTokens: { prompt: 0, completion: 0 },
    tokenBudget: 100_000,
    headCommit: 'b',
    steps: 1,
    rolledBackTo: null,
    merged: false,
    cleanedUp: false,
    branchRemoved: false,
    turn: null,
    pid: null,
    lastSeq: 9,
    live: false,
    archived: false,
    ...over,
  };
}
