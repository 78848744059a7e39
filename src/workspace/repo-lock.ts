/**
 * A per-repository mutex around git writes (Crystal's idea): two sessions merging into one branch from
 * the same process run one after the other, each seeing the other's result. Across processes the
 * compare-and-swap on refs (update-ref with the old value) and git's own ref locks keep it correct.
 */
const tails = new Map<string, Promise<unknown>>();

export async function withRepoLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
