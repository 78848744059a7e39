// The model server SIGKILLed in the middle of a streamed Coder turn: the run must end on its own
// (no hang), in a clear `error` state that says the server is unreachable, with everything up to the
// last finished step kept; and once a server is back, the session resumes and passes.
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
  listSessions,
  PASS,
  readLog,
  sessionIdOf,
  sessionsCli,
  useFaultHarness,
} from './fault-support.js';

// Each test starts (and kills) servers of its own.
const faults = useFaultHarness({ server: false });

describe('the model server killed mid-stream', () => {
  it('ends the run as error (unreachable) with step 1 kept; resumes to passed on a new server', async () => {
    const ws = faults.workspace('server');
    const before = snapshotCheckout(ws.repo);
    const slow = { content: fileReply(`${'# a long, slowly streamed reply\n'.repeat(40)}print('hello')`), tokensPerSecond: 40 };
    const dying = await faults.startServer({ script: { coder: [{ content: fileReply('print(1/0)') }, slow], sheriff: [FAIL] } });
    const run = new CliProcess(['run', 'Print hello', '--server-url', dying.url, '--json'], { cwd: ws.repo, home: ws.home });
    await run.waitFor((e) => e.type === 'token.delta' && e['attempt'] === 2, 'the second Coder turn streaming');
    const killedAt = Date.now();
    expect(dying.kill('SIGKILL')).toBe(true);
    const result = await run.done;
    const endedAfterMs = Date.now() - killedAt;

    // The run ended by itself, quickly (one retry, then "unreachable"), with a clear outcome.
    expect(result.exitCode).toBe(1);
    expect(endedAfterMs).toBeLessThan(15_000);
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ status: 'error', attempts: 2 });
    const id = sessionIdOf(run.events);
    const finished = run.events.find((e) => e.type === 'session.finished');
    expect(String(finished?.['reason'])).toMatch(/unreachable/);
    expect(run.events.some((e) => e.type === 'turn.retry')).toBe(true);

    // The same state for a restarted CLI and for the API; nothing lost.
    const listed = (await listSessions(ws)).find((s) => s.id === id);
    expect(listed).toMatchObject({ state: 'error', attempts: 2, steps: 1 });
    expect(listed?.reason).toMatch(/unreachable/);
    expect(await apiSessionState(ws.home, id)).toMatchObject({ state: 'error', live: false });
    const { events, partialTail } = readLog(ws.home, id);
    expect(partialTail).toBe(false);
    expect(events.at(-1)?.type).toBe('session.finished');
    expectLogMatchesRepo(ws, id, listed?.branch ?? '');
    expect(snapshotCheckout(ws.repo)).toEqual(before);
    await expectNoOrphans(listed?.worktree ?? '/nonexistent');

    // A server is back (another port): resume continues attempt 2 and passes.
    const back = await faults.startServer({ script: { coder: [{ content: fileReply("print('hello')") }], sheriff: [PASS] } });
    const resumed = await sessionsCli(ws, ['resume', id, '--server-url', back.url, '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(summaryOf(resumed.stdout)).toMatchObject({ status: 'passed', session: id });
    expect(await apiSessionState(ws.home, id)).toMatchObject({ state: 'passed' });
    expectLogMatchesRepo(ws, id, listed?.branch ?? '');
    expect(snapshotCheckout(ws.repo)).toEqual(before);
    console.info(`[faults] model server SIGKILLed mid-stream: the run ended as error ${endedAfterMs} ms later`);
  });
});
