import { FactoryError, isFactoryError } from '../../errors/factory-error.js';
import { runGit } from './run-git.js';

/**
 * `git update-ref` with the old value as a compare-and-swap: if the ref moved since we read it (the user
 * committed, another session merged), git refuses and we report TARGET_MOVED instead of overwriting.
 * `expectedOld: null` means "the ref must not exist yet".
 */
const ZERO_OID = '0000000000000000000000000000000000000000';

export interface UpdateRefOptions {
  readonly ref: string;
  readonly newValue: string;
  /** The value the ref must have now; null = it must not exist; undefined = no check. */
  readonly expectedOld?: string | null;
  /** Written to the reflog. */
  readonly reason: string;
}

export async function updateRef(cwd: string, options: UpdateRefOptions): Promise<void> {
  const args = ['update-ref', '-m', options.reason, options.ref, options.newValue];
  if (options.expectedOld !== undefined) args.push(options.expectedOld ?? ZERO_OID);
  await casOrMoved(options.ref, () => runGit(args, { cwd }));
}

export async function deleteRef(cwd: string, ref: string, expectedOld?: string): Promise<void> {
  const args = ['update-ref', '-d', ref];
  if (expectedOld !== undefined) args.push(expectedOld);
  await casOrMoved(ref, () => runGit(args, { cwd }));
}

async function casOrMoved(ref: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const stderr = isFactoryError(error) ? String(error.details?.['stderr'] ?? '') : '';
    if (/but expected|reference already exists|unable to resolve reference|is at [0-9a-f]+ but/.test(stderr)) {
      throw new FactoryError(
        'TARGET_MOVED',
        `${ref} changed while we were working on it (${stderr.trim().split('\n').pop() ?? ''}). Nothing was changed; try again.`,
      );
    }
    throw error;
  }
}
