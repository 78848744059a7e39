import { runGit } from './run-git.js';

/**
 * The newest commit on `targetRef` since `since` whose message carries `Factory-Session: <id>` (every
 * merge and squash commit we make does): how a merge that reached git but not the session log (the
 * app died in between) is found again.
 */
export interface FoundSessionMerge {
  readonly commit: string;
  readonly parents: readonly string[];
}

export async function findSessionMergeCommit(
  repo: string,
  targetRef: string,
  sessionId: string,
  since: string,
): Promise<FoundSessionMerge | null> {
  const result = await runGit(
    ['log', '-1', '--format=%H %P', '--fixed-strings', `--grep=Factory-Session: ${sessionId}`, `${since}..${targetRef}`],
    { cwd: repo, expectedExitCodes: [0, 128] },
  );
  const [commit, ...parents] = result.stdout
    .trim()
    .split(' ')
    .filter((s) => s !== '');
  return result.exitCode === 0 && commit !== undefined ? { commit, parents } : null;
}
