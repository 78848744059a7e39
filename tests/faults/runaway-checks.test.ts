// Checks that misbehave on purpose, through the real CLI and the real sandbox: one printing 100 MB,
// a fork bomb, a memory hog. Each run must end on its own, the host must stay in charge, the log
// must stay small, nothing may survive, and the result must say which limit stopped the program.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotCheckout } from '../support/git-fixtures.js';
import { summaryOf } from '../support/run-cli.js';
import {
  apiSessionState,
  CliProcess,
  expectLogMatchesRepo,
  expectNoOrphans,
  FAIL,
  fileReply,
  PASS,
  readLog,
  type JsonEvent,
  type Workspace,
  useFaultHarness,
} from './fault-support.js';

const faults = useFaultHarness();

interface Outcome {
  readonly id: string;
  readonly summary: Record<string, unknown> & { status: string };
  readonly finished: JsonEvent;
  readonly worktree: string;
  readonly durationMs: number;
  readonly stdoutBytes: number;
}

async function runProgram(workspace: Workspace, program: string, sheriff: { content: string }, args: string[] = []): Promise<Outcome> {
  await faults.server.setScript({ coder: [{ content: fileReply(program) }], sheriff: [sheriff] });
  const run = new CliProcess(['run', 'Run the program', '--server-url', faults.server.url, '--json', '-n', '1', ...args], {
    cwd: workspace.repo,
    home: workspace.home,
  });
  const result = await run.done;
  expect(result.stderr).toBe('');
  const finished = run.events.find((e) => e.type === 'exec.finished');
  if (finished === undefined) throw new Error(`no exec.finished:\n${result.stdout.slice(-3000)}`);
  const created = run.events.find((e) => e.type === 'session.created');
  return {
    id: String(created?.['session']),
    summary: summaryOf(result.stdout),
    finished,
    worktree: String(created?.['worktree']),
    durationMs: result.durationMs,
    stdoutBytes: Buffer.byteLength(result.stdout),
  };
}

describe('runaway checks under the limits', () => {
  it('a check printing 100 MB: bounded result, bounded log, head and tail kept, total reported', async () => {
    const ws = faults.workspace('output');
    const program = [
      'import sys',
      'w = sys.stdout.buffer.write',
      "w(b'BEGIN\\n')",
      "for _ in range(100): w(b'x' * 1048575 + b'\\n')",
      "w(b'END\\n')",
    ].join('\n');
    const outcome = await runProgram(ws, program, PASS, ['--timeout', '120']);
    expect(outcome.summary.status).toBe('passed');
    expect(outcome.finished).toMatchObject({ exitCode: 0, timedOut: false, truncated: true, totalBytes: 6 + 100 * 1048576 + 4 });
    const output = String(outcome.finished['output']);
    expect(output.startsWith('BEGIN\nxxxx')).toBe(true);
    expect(output.endsWith('xxxx\nEND\n')).toBe(true);
    expect(output).toMatch(/\n… \[\d+ bytes omitted\] …\n/);
    expect(Buffer.byteLength(output)).toBeLessThan(128 * 1024 + 100);
    // The live stream stopped after 1 MiB and said so; the log and the CLI's output stay small.
    const { events } = readLog(ws.home, outcome.id);
    const live = events
      .filter((e) => e.type === 'exec.output')
      .map((e) => (e.type === 'exec.output' ? e.chunk : ''))
      .join('');
    expect(live).toMatch(/Live output stops here, after \d+ bytes/);
    expect(Buffer.byteLength(live)).toBeLessThan(1024 * 1024 + 128 * 1024);
    const logBytes = fs.statSync(path.join(ws.home, 'sessions', outcome.id, 'events.jsonl')).size;
    expect(logBytes).toBeLessThan(3 * 1024 * 1024);
    expect(outcome.stdoutBytes).toBeLessThan(3 * 1024 * 1024);
    expectLogMatchesRepo(ws, outcome.id, String(outcome.summary['branch']));
    console.info(
      `[faults] 100 MB check: ${outcome.durationMs.toFixed(0)} ms end to end, log ${logBytes} bytes, result ${Buffer.byteLength(output)} bytes`,
    );
  });

  it('a fork bomb is held at the process limit, killed at the timeout, and leaves nothing behind', async () => {
    const ws = faults.workspace('forkbomb');
    const before = snapshotCheckout(ws.repo);
    const program = [
      'import os, time',
      "print('forking', flush=True)",
      'while True:',
      '    try:',
      '        os.fork()',
      '    except OSError:',
      '        time.sleep(0.05)',
    ].join('\n');
    const outcome = await runProgram(ws, program, FAIL, ['--timeout', '5']);
    expect(outcome.summary.status).toBe('failed');
    expect(outcome.finished).toMatchObject({ timedOut: true });
    const output = String(outcome.finished['output']);
    const notice = /The run reached its limit of (\d+) processes \((\d+) at the peak\): (\d+) attempt/.exec(output);
    expect(notice, output.slice(-1000)).not.toBeNull();
    const [limit, peak, refused] = [Number(notice?.[1]), Number(notice?.[2]), Number(notice?.[3])];
    expect(limit).toBe(512);
    expect(peak).toBeLessThanOrEqual(512);
    expect(refused).toBeGreaterThan(0);
    // The host stayed in charge: the run ended at its timeout, not when the machine recovered.
    expect(outcome.durationMs).toBeLessThan(60_000);
    await expectNoOrphans(outcome.worktree, undefined, 5000);
    expect(snapshotCheckout(ws.repo)).toEqual(before);
    expect(await apiSessionState(ws.home, outcome.id)).toMatchObject({ state: 'failed' });
    console.info(
      `[faults] fork bomb: contained at ${peak} processes (limit ${limit}), ${refused} forks refused, run ${outcome.durationMs.toFixed(0)} ms`,
    );
  });

  it('a memory hog is killed at the memory limit (sandbox.max_memory_mb) and says so', async () => {
    const ws = faults.workspace('memhog', 'sandbox:\n  require: true\n  max_memory_mb: 256\n');
    const program = [
      'chunks = []',
      'while True:',
      '    chunks.append(bytearray(16 * 1024 * 1024))',
      "    print(len(chunks) * 16, 'MB', flush=True)",
    ].join('\n');
    const outcome = await runProgram(ws, program, FAIL, ['--timeout', '60']);
    expect(outcome.summary.status).toBe('failed');
    const output = String(outcome.finished['output']);
    expect(outcome.finished).toMatchObject({ exitCode: 137, timedOut: false });
    expect(output).toContain('[mlx-factory] The run reached its memory limit (256 MB): the kernel killed its largest process.');
    const reached = Math.max(...[...output.matchAll(/^(\d+) MB$/gm)].map((m) => Number(m[1])));
    expect(reached).toBeLessThanOrEqual(256);
    expect(reached).toBeGreaterThanOrEqual(128);
    await expectNoOrphans(outcome.worktree);
    console.info(
      `[faults] memory hog: killed by the kernel after allocating ${reached} MB (limit 256 MB), run ${outcome.durationMs.toFixed(0)} ms`,
    );
  });
});
