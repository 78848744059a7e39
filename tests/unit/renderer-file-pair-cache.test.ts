import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../src/api/requests.js';
import { cachedFilePair, clearFilePairs, filePairKey, hasFilePair } from '../../renderer/src/state/file-pair-cache.js';

type PairAnswer = ApiResponse<'sessions.filePair'>;

const sha = (c: string): string => c.repeat(40);

function pairAnswer(path: string, chars = 10): PairAnswer {
  const side = { exists: true, binary: false, tooLarge: false, size: chars, text: 'x'.repeat(chars) };
  return { ok: true, data: { path, base: sha('a'), head: sha('b'), left: side, right: side } };
}

function keyFor(path: string, head = sha('b')): string {
  return filePairKey({ session: 's1', commit: null, base: sha('a'), head, path });
}

/** A request that counts its calls and answers when told. */
function deferredRequest(answer: PairAnswer) {
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    request: async (): Promise<PairAnswer> => {
      calls++;
      await gate;
      return answer;
    },
    release: () => release(),
    calls: () => calls,
  };
}

describe('The diff view caches files fetched ahead (issue #20)', () => {
  beforeEach(() => clearFilePairs());

  it('a file chosen while its prefetch is on its way waits for that request, not a second one', async () => {
    const prefetch = deferredRequest(pairAnswer('big.py'));
    const first = cachedFilePair(keyFor('big.py'), prefetch.request);
    const chosen = cachedFilePair(keyFor('big.py'), prefetch.request);
    expect(hasFilePair(keyFor('big.py'))).toBe(true);
    prefetch.release();
    expect(await chosen).toEqual(await first);
    expect(prefetch.calls()).toBe(1);
  });

  it('keys name the listing head: a session that moved on asks again', async () => {
    const answer = deferredRequest(pairAnswer('a.py'));
    answer.release();
    await cachedFilePair(keyFor('a.py'), answer.request);
    await cachedFilePair(keyFor('a.py', sha('c')), answer.request);
    expect(answer.calls()).toBe(2);
  });

  it('a failed answer is not kept: choosing the file again asks again', async () => {
    const failed: PairAnswer = { ok: false, error: { code: 'SESSION_NOT_FOUND', message: 'gone' } };
    const failing = deferredRequest(failed);
    failing.release();
    expect(await cachedFilePair(keyFor('a.py'), failing.request)).toEqual(failed);
    expect(hasFilePair(keyFor('a.py'))).toBe(false);
    const good = deferredRequest(pairAnswer('a.py'));
    good.release();
    expect((await cachedFilePair(keyFor('a.py'), good.request)).ok).toBe(true);
    expect(good.calls()).toBe(1);
  });

  it('keeps at most 8 files, the least recently used going first', async () => {
    const paths = Array.from({ length: 9 }, (_, i) => `f${i}.py`);
    for (const path of paths.slice(0, 8)) {
      const r = deferredRequest(pairAnswer(path));
      r.release();
      await cachedFilePair(keyFor(path), r.request);
    }
    // f0 used again: f1 is now the oldest.
    await cachedFilePair(keyFor('f0.py'), () => Promise.reject(new Error('must come from the cache')));
    const last = deferredRequest(pairAnswer('f8.py'));
    last.release();
    await cachedFilePair(keyFor('f8.py'), last.request);
    expect(hasFilePair(keyFor('f0.py'))).toBe(true);
    expect(hasFilePair(keyFor('f1.py'))).toBe(false);
    expect(paths.slice(2).every((p) => hasFilePair(keyFor(p)))).toBe(true);
  });

  it('holds about 24 M characters of text: big files push older ones out, the newest always stays', async () => {
    for (const path of ['a.py', 'b.py', 'c.py']) {
      // 2 × 5 M characters each.
      const r = deferredRequest(pairAnswer(path, 5_000_000));
      r.release();
      await cachedFilePair(keyFor(path), r.request);
    }
    expect(hasFilePair(keyFor('a.py'))).toBe(false);
    expect(hasFilePair(keyFor('b.py'))).toBe(true);
    expect(hasFilePair(keyFor('c.py'))).toBe(true);
    const huge = deferredRequest(pairAnswer('huge.py', 20_000_000));
    huge.release();
    await cachedFilePair(keyFor('huge.py'), huge.request);
    expect(hasFilePair(keyFor('huge.py'))).toBe(true);
    expect(hasFilePair(keyFor('c.py'))).toBe(false);
  });
});
