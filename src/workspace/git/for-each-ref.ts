import { runGit } from './run-git.js';

/** Refs under a prefix (e.g. `refs/factory/<id>/`) with the commits they point at, in one call. */
export interface RefEntry {
  readonly ref: string;
  readonly sha: string;
}

export async function listRefs(cwd: string, prefix: string): Promise<RefEntry[]> {
  const result = await runGit(['for-each-ref', '--format=%(objectname) %(refname)', prefix], { cwd });
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { sha: line.slice(0, space), ref: line.slice(space + 1) };
    });
}
