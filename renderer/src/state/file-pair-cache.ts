import type { ApiResponse } from '../../../src/api/requests.js';

type PairAnswer = ApiResponse<'sessions.filePair'>;

/**
 * Both sides of recently shown or prefetched files, so choosing a file does not wait for the host
 * to read two blobs and send them over (issue #20: fetching a 10,000-line file's sides was a third
 * of its open, and all of it when the host was busy). An entry is the answer's promise, so a click
 * on a file whose prefetch is still under way waits for that request rather than sending another.
 *
 * The key names the listing's base and head: a file's sides never change for the same commits, and
 * a session that moves on lists new heads, hence new keys. Failed answers are not kept (a retry asks
 * again). Bounded by entries and by text held, least recently used first out.
 */
const MAX_ENTRIES = 8;
/** UTF-16 code units of file text kept (about 48 MB): a few big files, many small ones. */
const MAX_CHARS = 24_000_000;

interface Entry {
  readonly answer: Promise<PairAnswer>;
  /** Text held, once the answer is in (0 while it is on its way). */
  chars: number;
}

const entries = new Map<string, Entry>();

export function filePairKey(parts: {
  readonly session: string;
  readonly commit: string | null;
  readonly base: string;
  readonly head: string;
  readonly path: string;
}): string {
  return JSON.stringify([parts.session, parts.commit, parts.base, parts.head, parts.path]);
}

/** The cached answer for `key`, else `request()`'s (cached once it succeeds). */
export function cachedFilePair(key: string, request: () => Promise<PairAnswer>): Promise<PairAnswer> {
  const found = entries.get(key);
  if (found !== undefined) {
    // Most recently used last.
    entries.delete(key);
    entries.set(key, found);
    return found.answer;
  }
  const entry: Entry = { answer: request(), chars: 0 };
  entries.set(key, entry);
  void entry.answer.then((answer) => {
    if (entries.get(key) !== entry) return;
    if (!answer.ok) {
      entries.delete(key);
      return;
    }
    entry.chars = (answer.data.left.text?.length ?? 0) + (answer.data.right.text?.length ?? 0);
    trim();
  });
  trim();
  return entry.answer;
}

/** Whether `key`'s answer is held or on its way. */
export function hasFilePair(key: string): boolean {
  return entries.has(key);
}

export function clearFilePairs(): void {
  entries.clear();
}

function trim(): void {
  let chars = 0;
  for (const entry of entries.values()) chars += entry.chars;
  for (const [key, entry] of entries) {
    if (entries.size <= 1 || (entries.size <= MAX_ENTRIES && chars <= MAX_CHARS)) break;
    entries.delete(key);
    chars -= entry.chars;
  }
}
