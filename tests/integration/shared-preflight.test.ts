// A best-of-K group runs the preflight (the check on the base) once for all its siblings: the real
// sandbox runs the check, whose every run leaves a line in a file of its own worktree; the siblings
// all log the same preflight, and only one worktree saw the check run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runSandboxed } from '../../src/sandbox/index.js';
import { SharedPreflight } from '../../src/sessions/shared-preflight.js';
import type { ExecRequest } from '../../src/sandbox/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-shared-preflight-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('runs the check once for the siblings that share a key, and again for another key or when the sharer was cancelled', async () => {
  const shared = new SharedPreflight();
  const worktrees = [0, 1, 2, 3].map((i) => {
    const dir = path.join(tmp, `wt-${i}`);
    fs.mkdirSync(dir);
    return dir;
  });
  const request = (cwd: string, signal = new AbortController().signal): ExecRequest => ({
    command: 'echo ran >> runs.txt; exit 1',
    cwd,
    timeoutMs: 30_000,
    signal,
    sandbox: 'auto',
  });
  const results = await Promise.all(worktrees.slice(0, 3).map((wt) => shared.runner(runSandboxed, 'check\0base')(request(wt))));
  expect(results.map((r) => r.exitCode)).toEqual([1, 1, 1]);
  const ran = worktrees.filter((wt) => fs.existsSync(path.join(wt, 'runs.txt')));
  expect(ran).toHaveLength(1);

  // Another base commit or check: its own run.
  await shared.runner(runSandboxed, 'check\0other-base')(request(worktrees[3] ?? ''));
  expect(fs.existsSync(path.join(worktrees[3] ?? '', 'runs.txt'))).toBe(true);

  // The sibling that ran it was cancelled: a waiting sibling runs it itself.
  const stopped = new AbortController();
  const other = path.join(tmp, 'wt-cancel-b');
  fs.mkdirSync(other);
  const first = shared.runner(runSandboxed, 'k2')({ ...request(path.join(tmp, 'wt-0')), command: 'sleep 30', signal: stopped.signal });
  const second = shared.runner(runSandboxed, 'k2')({ ...request(other), command: 'echo ran >> runs.txt; sleep 0' });
  stopped.abort();
  expect((await first).cancelled).toBe(true);
  const own = await second;
  expect(own.cancelled).toBe(false);
  expect(fs.readFileSync(path.join(other, 'runs.txt'), 'utf8')).toBe('ran\n');
}, 120_000);
