import { describe, expect, it } from 'vitest';
import { newSessionId, sessionBranchName, slugify, systemIdSource, type SessionIdSource } from '../../src/workspace/session-ids.js';

describe('slugify', () => {
  it.each([
    ['Print the first 10 primes', 'print-the-first-10-primes'],
    ['  Fix: the   CSV parser!!  ', 'fix-the-csv-parser'],
    ['Écrire un programme — données', 'ecrire-un-programme-donnees'],
    ['naïve café ﬁle', 'naive-cafe-file'],
    ['Ünïcödé Ñame', 'unicode-name'],
    ['snake_case/and.dots', 'snake-case-and-dots'],
  ])('%j → %j', (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });

  it.each(['', '   ', '---', '!!!', '日本語のタスク', '🚀✨'])('falls back to "task" for %j', (text) => {
    expect(slugify(text)).toBe('task');
  });

  it('keeps at most 32 characters and never ends with a dash', () => {
    const long = slugify('Write a Python script that prints the first 20 Fibonacci numbers');
    expect(long).toBe('write-a-python-script-that-print');
    expect(long.length).toBeLessThanOrEqual(32);
    const cutAtDash = slugify(`${'a'.repeat(31)} bcd`);
    expect(cutAtDash).toBe('a'.repeat(31));
    for (let n = 1; n < 80; n += 1) {
      const slug = slugify('ab '.repeat(n));
      expect(slug.length).toBeLessThanOrEqual(32);
      expect(slug).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    }
  });

  it('is always safe in a branch name and a folder name', () => {
    for (const text of ['../../etc', 'a..b', 'x.lock', '@{-1}', 'HEAD', 'a/b\\c', 'CON', 'tab\there']) {
      expect(slugify(text)).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    }
  });
});

describe('newSessionId', () => {
  const at = (iso: string): SessionIdSource => ({ ...systemIdSource, now: () => new Date(iso) });

  it('starts with the time (yymmddHHMM, UTC) and ends with 48 random bits (12 hex characters)', () => {
    const id = newSessionId(at('2026-03-14T15:09:26Z'));
    expect(id).toMatch(/^2603141509-[0-9a-f]{12}$/);
  });

  it('takes its random bits from the source it is given', () => {
    const fixed: SessionIdSource = { now: () => new Date('2026-03-14T15:09:26Z'), randomBytes: (n) => Buffer.alloc(n, 0xab) };
    expect(newSessionId(fixed)).toBe('2603141509-abababababab');
    expect(newSessionId(fixed)).toBe(newSessionId(fixed));
  });

  it('sorts by creation time', () => {
    const earlier = newSessionId(at('2026-01-31T23:59:00Z'));
    const later = newSessionId(at('2026-02-01T00:00:00Z'));
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });

  it('differs between sessions started in the same minute', () => {
    const now = at('2026-03-14T15:09:26Z');
    const ids = new Set(Array.from({ length: 1000 }, () => newSessionId(now)));
    expect(ids.size).toBe(1000);
  });
});

describe('sessionBranchName', () => {
  it('is factory/<slug>-<id>', () => {
    expect(sessionBranchName('print-primes', '2603141509-a1b2c3')).toBe('factory/print-primes-2603141509-a1b2c3');
  });
});
