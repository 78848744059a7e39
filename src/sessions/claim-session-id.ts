import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';
import { SessionNameTakenError } from '../workspace/session-ids.js';

/** More than this many taken ids in a row is not chance: something else is wrong. */
const MAX_TRIES = 16;

/**
 * Makes a session id this process's own: its folder under the sessions root is created exclusively
 * (mkdir without `recursive` fails with EEXIST when the folder exists), so two processes drawing the
 * same id can never share one log — the second draws a new id. `create(id)` then makes what else is
 * named after the id (the worktree, the branch, a scratch repository); when one of those is taken
 * (SessionNameTakenError) the claimed folder is given back and the next id is tried.
 */
export async function claimSessionId<T>(
  sessionsRoot: string,
  first: string,
  nextId: () => string,
  create: (id: string) => Promise<T>,
): Promise<{ readonly id: string; readonly created: T }> {
  fs.mkdirSync(sessionsRoot, { recursive: true });
  let candidate = first;
  const taken: string[] = [];
  for (let tries = 0; tries < MAX_TRIES; tries += 1, candidate = nextId()) {
    const dir = path.join(sessionsRoot, candidate);
    try {
      fs.mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      taken.push(`${dir} already exists`);
      continue;
    }
    try {
      return { id: candidate, created: await create(candidate) };
    } catch (error) {
      // Nothing was written into the folder yet: give it back (rmdir refuses a folder that is not empty).
      try {
        fs.rmdirSync(dir);
      } catch {
        // Left as it is: an empty or foreign folder is never read as a session (it has no log).
      }
      if (!(error instanceof SessionNameTakenError)) throw error;
      taken.push(error.message);
    }
  }
  throw new FactoryError(
    'INTERNAL',
    `Could not find a free session id after ${MAX_TRIES} tries (${taken.slice(-3).join('; ')}); the random source is not random.`,
  );
}
