// Without a usable bubblewrap: 'auto' still runs the command and says why it is not sandboxed;
// 'required' refuses with a typed error. Linux only: on macOS the sandbox is found at a fixed
// path (/usr/bin/sandbox-exec), not through PATH, so it cannot be hidden this way.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetSandboxDetection, runSandboxed, SandboxUnavailableError } from '../../src/sandbox/index.js';
import { makeDir } from './sandbox-support.js';

describe.runIf(process.platform === 'linux')('runSandboxed when bubblewrap is not on PATH', () => {
  const savedPath = process.env.PATH;
  let worktree: string;

  beforeAll(() => {
    worktree = makeDir('sandbox-fallback-');
    process.env.PATH = '/nonexistent-bin';
    resetSandboxDetection();
  });
  afterAll(() => {
    rmSync(worktree, { recursive: true, force: true });
    process.env.PATH = savedPath;
    resetSandboxDetection();
  });

  it("'auto' runs unsandboxed, with a warning that says how to install bubblewrap", async () => {
    const result = await runSandboxed({ command: 'echo hi; exit 4', cwd: worktree, timeoutMs: 10_000 });
    expect(result.exitCode).toBe(4);
    expect(result.output).toBe('hi\n');
    expect(result.sandbox.kind).toBe('none');
    expect(result.sandbox.warning).toMatch(/apt-get install bubblewrap/);
  });

  it("'required' rejects with SandboxUnavailableError (code SANDBOX_UNAVAILABLE)", async () => {
    const attempt = runSandboxed({ command: 'echo hi', cwd: worktree, timeoutMs: 10_000, sandbox: 'required' });
    await expect(attempt).rejects.toBeInstanceOf(SandboxUnavailableError);
    await expect(attempt).rejects.toMatchObject({ code: 'SANDBOX_UNAVAILABLE', message: expect.stringMatching(/bubblewrap/) });
  });
});
