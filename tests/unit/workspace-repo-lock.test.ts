import { describe, expect, it } from 'vitest';
import { withRepoLock } from '../../src/workspace/repo-lock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withRepoLock', () => {
  it('runs work on one repository one at a time, in order, and other repositories in parallel', async () => {
    const trace: string[] = [];
    const job = (key: string, name: string, ms: number) =>
      withRepoLock(key, async () => {
        trace.push(`${name}+`);
        await sleep(ms);
        trace.push(`${name}-`);
        return name;
      });
    const results = await Promise.all([job('/a', 'a1', 30), job('/a', 'a2', 5), job('/b', 'b1', 5)]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(trace.indexOf('a1-')).toBeLessThan(trace.indexOf('a2+'));
    expect(trace.indexOf('b1-')).toBeLessThan(trace.indexOf('a1-'));
  });

  it('a failure does not block the next holder', async () => {
    await expect(withRepoLock('/c', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withRepoLock('/c', async () => 'next')).resolves.toBe('next');
  });
});
