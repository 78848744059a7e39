import type { SessionCommit } from '../../../src/api/payloads.js';

/** A step's check result and verdict as one short label and a tone, for the timeline. Pure. */
export function stepOutcome(commit: Pick<SessionCommit, 'check' | 'verdict' | 'passed'>): {
  label: string;
  tone: 'success' | 'danger' | 'warning' | 'neutral';
  title: string;
} {
  const check =
    commit.check === null
      ? null
      : commit.check.timedOut
        ? 'timed out'
        : commit.check.exitCode === null
          ? 'killed'
          : `exit ${commit.check.exitCode}`;
  const verdict = commit.verdict === null ? null : commit.verdict === 'missing' ? 'no verdict' : commit.verdict;
  if (check === null && verdict === null)
    return { label: 'not checked', tone: 'neutral', title: 'No check ran on this step’s attempt (yet).' };
  const label = [check, verdict].filter((part) => part !== null).join(' · ');
  const tone = commit.passed === true ? 'success' : commit.passed === false || commit.check?.exitCode !== 0 ? 'danger' : 'warning';
  const title = `Check: ${check ?? 'did not run'}. Sheriff: ${verdict ?? 'no verdict yet'}.${commit.passed === true ? ' The attempt passed.' : commit.passed === false ? ' The attempt failed.' : ''}`;
  return { label, tone, title };
}
