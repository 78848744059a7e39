import { runGit } from './run-git.js';

/** The commits reachable from `to` and not from `from`, oldest first, with the session's trailers. */
export interface CommitInfo {
  readonly sha: string;
  readonly parents: readonly string[];
  readonly subject: string;
  readonly authorDate: string;
  /** Factory-Session / Factory-Attempt trailers (null on commits the app did not make). */
  readonly session: string | null;
  readonly attempt: number | null;
}

const FORMAT = [
  '%H',
  '%P',
  '%s',
  '%aI',
  '%(trailers:key=Factory-Session,valueonly,separator=%x2C)',
  '%(trailers:key=Factory-Attempt,valueonly,separator=%x2C)',
].join('%x00');

export async function listCommits(cwd: string, from: string, to: string): Promise<CommitInfo[]> {
  const result = await runGit(['log', '--reverse', '--no-color', `--format=${FORMAT}%x00%x1e`, `${from}..${to}`, '--'], { cwd });
  return parseCommitLog(result.stdout);
}

export function parseCommitLog(stdout: string): CommitInfo[] {
  return stdout
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [sha = '', parents = '', subject = '', authorDate = '', session = '', attempt = ''] = record.split('\0');
      const attemptNumber = Number(attempt.trim().split(',')[0]);
      return {
        sha,
        parents: parents === '' ? [] : parents.split(' '),
        subject,
        authorDate,
        session: session.trim() === '' ? null : (session.trim().split(',')[0] ?? null),
        attempt: Number.isInteger(attemptNumber) && attemptNumber > 0 ? attemptNumber : null,
      };
    });
}
