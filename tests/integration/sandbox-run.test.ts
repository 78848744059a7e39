// runSandboxed with real child processes, once without a sandbox and once inside the OS sandbox
// (bubblewrap on Linux): exit codes, live and final output, timeouts and cancellation that leave
// no process behind, environment scrubbing, bounded output.
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxed, type ExecRequest } from '../../src/sandbox/index.js';
import { makeDir, requireSandbox, survivors, uniqueMarker } from './sandbox-support.js';

const modes = ['off', 'required'] as const;

describe.each(modes)('runSandboxed (sandbox: %s)', (sandbox) => {
  let worktree: string;
  const run = (command: string, extra: Partial<ExecRequest> = {}) =>
    runSandboxed({ command, cwd: worktree, timeoutMs: 20_000, sandbox, ...extra });

  beforeAll(async () => {
    if (sandbox === 'required') await requireSandbox();
    worktree = makeDir('sandbox-run-');
  });
  afterAll(() => rmSync(worktree, { recursive: true, force: true }));

  it('reports exit codes and runs in the worktree with stdin at EOF', async () => {
    const ok = await run('pwd; cat; echo done');
    expect(ok).toMatchObject({ exitCode: 0, signal: null, timedOut: false, cancelled: false, truncated: false });
    expect(ok.output).toBe(`${worktree}\ndone\n`);
    if (sandbox === 'off') expect(ok.sandbox.kind).toBe('none');
    else expect(ok.sandbox.kind).not.toBe('none');
    expect((await run('exit 3')).exitCode).toBe(3);
    expect((await run('exit 255')).exitCode).toBe(255);
    const missing = await run('definitely-not-a-command-xyz');
    expect(missing.exitCode).toBe(127);
    expect(missing.stderrTail).toMatch(/not found/);
  });

  it('reports death by signal (bubblewrap reports it as 128 + n, like a shell)', async () => {
    const killed = await run('kill -KILL $$');
    if (killed.sandbox.kind === 'bwrap') expect(killed).toMatchObject({ exitCode: 137, signal: null });
    else expect(killed).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
  });

  it('streams output live, split by stream, and keeps the same output at the end', async () => {
    const live: Array<[string, string]> = [];
    // '€' written in two halves with a pause: the live decoder must not split it.
    const result = await run(`echo out1; echo err1 >&2; printf '\\342\\202'; sleep 0.2; printf '\\254\\n'; echo err2 >&2`, {
      onOutput: (chunk, stream) => live.push([stream, chunk]),
    });
    expect(result.exitCode).toBe(0);
    const liveStdout = live
      .filter(([s]) => s === 'stdout')
      .map(([, c]) => c)
      .join('');
    const liveStderr = live
      .filter(([s]) => s === 'stderr')
      .map(([, c]) => c)
      .join('');
    expect(liveStdout).toBe('out1\n€\n');
    expect(liveStderr).toBe('err1\nerr2\n');
    expect(live.some(([, chunk]) => chunk.includes('\uFFFD'))).toBe(false);
    expect(result.stdoutTail).toBe('out1\n€\n');
    expect(result.stderrTail).toBe('err1\nerr2\n');
    expect(result.output.split('\n').sort()).toEqual(['', 'err1', 'err2', 'out1', '€'].sort());
    expect(result.totalBytes).toBe(Buffer.byteLength('out1\nerr1\n€\nerr2\n'));
  });

  it('on timeout kills children, grandchildren, TERM-ignorers and setsid escapees, and keeps partial output', async () => {
    const marker = uniqueMarker();
    // Each background piece says it has started (a file in the sandbox's tmp); the foreground prints
    // "ready" once all four have, so the timeout always finds the whole tree running, however loaded the machine.
    const flag = (name: string) => `"$TMPDIR/${marker}-${name}"`;
    const command = [
      'echo started',
      `sleep ${marker} &`,
      `sh -c 'sleep ${marker} & touch ${flag('grandchild')}; sleep ${marker}' &`,
      `sh -c 'trap "" TERM; touch ${flag('ignorer')}; sleep ${marker}' &`,
      `python3 -c "import os, sys, time; os.setsid(); open(sys.argv[1], 'w').close(); time.sleep(1000)" ${flag('escapee')} &`,
      `while [ ! -e ${flag('grandchild')} ] || [ ! -e ${flag('ignorer')} ] || [ ! -e ${flag('escapee')} ]; do sleep 0.05; done`,
      'echo ready',
      `sleep ${marker}`,
    ].join('\n');
    const timeoutMs = 8000;
    const started = performance.now();
    const result = await run(command, { timeoutMs });
    const elapsed = performance.now() - started;
    expect(survivors(result.pgid, marker)).toEqual([]);
    expect(result.timedOut).toBe(true);
    expect(result.cancelled).toBe(false);
    expect(result.exitCode === 0).toBe(false);
    expect(result.output).toContain('started\n');
    expect(result.output).toContain('ready\n');
    // The TERM-ignorer forces the SIGKILL step: it ends after timeout + grace, not when the sleeps would.
    expect(elapsed).toBeLessThan(timeoutMs + 30_000);
  });

  it('kills what the command left running in the background once it exits', async () => {
    const marker = uniqueMarker();
    const result = await run(`sleep ${marker} & echo left-behind`);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.output).toBe('left-behind\n');
    expect(result.durationMs).toBeLessThan(5000);
    expect(survivors(result.pgid, marker)).toEqual([]);
  });

  it('cancels through an AbortSignal, killing the tree', async () => {
    const marker = uniqueMarker();
    const controller = new AbortController();
    const result = await run(`sleep ${marker} & echo ready; sleep ${marker}`, {
      signal: controller.signal,
      onOutput: (chunk) => {
        if (chunk.includes('ready')) controller.abort();
      },
    });
    expect(result).toMatchObject({ cancelled: true, timedOut: false, exitCode: null, signal: 'SIGTERM' });
    expect(result.output).toBe('ready\n');
    expect(survivors(result.pgid, marker)).toEqual([]);
  });

  it('does not start at all when already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run('touch should-not-exist', { signal: controller.signal });
    expect(result).toMatchObject({ cancelled: true, exitCode: null, pgid: null });
    expect(existsSync(`${worktree}/should-not-exist`)).toBe(false);
  });

  it('hides credentials from the child and gives it a private TMPDIR that is removed afterwards', async () => {
    process.env.MY_API_TOKEN = 'secret-parent-token';
    process.env.GITHUB_TOKEN = 'secret-gh';
    try {
      const result = await run('env; echo "tmp=$TMPDIR"; touch "$TMPDIR/scratch" && echo tmp-writable', {
        env: { ANTHROPIC_API_KEY: 'secret-extra', VISIBLE_FLAG: 'yes' },
      });
      expect(result.exitCode).toBe(0);
      expect(result.output).not.toMatch(/secret|MY_API_TOKEN|GITHUB_TOKEN|ANTHROPIC/);
      expect(result.output).toContain('VISIBLE_FLAG=yes\n');
      expect(result.output).toContain('tmp-writable\n');
      const tmp = /tmp=(.*)\n/.exec(result.output)?.[1] ?? '';
      expect(tmp).toMatch(/mlx-factory-run-/);
      expect(existsSync(tmp)).toBe(false);
    } finally {
      delete process.env.MY_API_TOKEN;
      delete process.env.GITHUB_TOKEN;
    }
  });

  it('a check printing 100 MB finishes with a bounded head + tail result', async () => {
    const command = `python3 -c "import sys; w = sys.stdout.buffer.write; w(b'BEGIN\\n'); [w(b'x' * 1048575 + b'\\n') for _ in range(100)]; w(b'END\\n')"`;
    const result = await run(command, { timeoutMs: 60_000 });
    expect(result.exitCode).toBe(0);
    expect(result.totalBytes).toBe(6 + 100 * 1048576 + 4);
    expect(result.truncated).toBe(true);
    expect(result.output.startsWith('BEGIN\nxxxx')).toBe(true);
    expect(result.output.endsWith('xxxx\nEND\n')).toBe(true);
    expect(result.output).toMatch(/\n… \[\d+ bytes omitted\] …\n/);
    expect(Buffer.byteLength(result.output)).toBeLessThan(128 * 1024 + 100);
    expect(result.stdoutTail.length).toBeLessThanOrEqual(8 * 1024);
  }, 60_000);

  it('honours maxOutputBytes', async () => {
    const result = await run(`i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done`, { maxOutputBytes: 64 });
    expect(result.truncated).toBe(true);
    expect(result.output.startsWith('line 0\nline 1\n')).toBe(true);
    expect(result.output.endsWith('line 1999\n')).toBe(true);
  });

  it('rejects a missing cwd', async () => {
    await expect(run('true', { cwd: `${worktree}/nope` })).rejects.toThrow(/cwd does not exist/);
  });
});
