// `mlx-factory sessions reply ID "MESSAGE"`: talking back to a session that passed. The loop runs again
// in the same worktree and branch as a new attempt series (attempts and tokens counted afresh, under
// the logged plan), the Coder's task is the original task plus the instruction with the earlier series
// in one line, and the `--json` summary line is the one `run` prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { appPaths } from '../../src/home/app-home.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { loadSession } from '../../src/sessions/session-store.js';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { jsonLines, runCli, summaryOf } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

const fileReply = (body: string): string => `main.py\n\`\`\`python\n${body}\n\`\`\`\n`;
const PASS = { content: 'It does what was asked.\nVERDICT: PASS' };
const FAIL = { content: 'The second line is missing.\nVERDICT: FAIL' };

describe('mlx-factory sessions reply', () => {
  it('continues a passed session as a new attempt series in the same worktree, with the instruction in the Coder prompt', async () => {
    const repo = makeRepo({ files: { 'README.md': 'r\n' } });
    const home = makeTempDir('mlxf-home-');
    await server.setScript({ coder: [{ content: fileReply('print(1)') }], sheriff: [PASS] });
    const run = await runCli(
      ['run', 'Write main.py that prints 1', '--check', 'python3 main.py', '--server-url', server.url, '-n', '3', '--json'],
      { cwd: repo, home },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const first = summaryOf(run.stdout);
    const id = String(first['session']);

    await server.setScript({
      coder: [{ content: fileReply('print(1)\n# two later') }, { content: fileReply('print(1)\nprint(2)') }],
      sheriff: [FAIL, PASS],
    });
    await server.clearRequests();
    const reply = await runCli(['sessions', 'reply', id, 'Also print 2 on a second line.', '--server-url', server.url, '--json'], {
      cwd: repo,
      home,
    });
    expect(reply.exitCode, reply.stderr).toBe(0);
    const summary = summaryOf(reply.stdout);
    // The same summary line as `run`: same keys, same branch and worktree, the attempts of this series.
    expect(Object.keys(summary).sort()).toEqual(Object.keys(first).sort());
    expect(summary).toMatchObject({
      session: id,
      status: 'passed',
      attempts: 2,
      branch: first['branch'],
      worktree: first['worktree'],
      baseCommit: first['baseCommit'],
    });
    expect(summary['headCommit']).not.toBe(first['headCommit']);
    expect(git(repo, 'rev-parse', String(first['branch'])).trim()).toBe(summary['headCommit']);
    // The reply's events stream as `run`'s do.
    expect(jsonLines(reply.stdout).some((e) => e.type === 'series.started')).toBe(true);

    // The Coder's first prompt in the reply: original task + instruction + one line for series 1.
    const coderPrompts = (await server.requests())
      .filter((r) => r.persona === 'coder')
      .map((r) => r.messages.map((m) => m.content).join('\n'));
    expect(coderPrompts).toHaveLength(2);
    expect(coderPrompts[0]).toContain('Write main.py that prints 1');
    expect(coderPrompts[0]).toContain('Also print 2 on a second line.');
    expect(coderPrompts[0]).toMatch(/Earlier series 1 \(the task\): 1 attempt\(s\), passed; 1 step\(s\) editing main\.py/);
    expect(coderPrompts[0]).toContain('print(1)'); // the file as series 1 left it
    expect(coderPrompts[1]).toContain('The second line is missing.');

    // The log keeps every series; attempts start again at 1, steps go on.
    const events: SessionEvent[] = readSessionLog(sessionFiles(appPaths(home).sessions, id).log).events;
    const at = events.findIndex((e) => e.type === 'series.started');
    expect(events[at]).toMatchObject({ series: 2, instruction: 'Also print 2 on a second line.', fromStep: 1, droppedRef: null });
    expect(events.slice(at).find((e) => e.type === 'plan.server')).toMatchObject({ url: server.url });
    expect(
      events
        .slice(at)
        .filter((e) => e.type === 'attempt.started')
        .map((e) => (e.type === 'attempt.started' ? e.attempt : 0)),
    ).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'commit').map((e) => (e.type === 'commit' ? e.step : 0))).toEqual([1, 2, 3]);
    const record = loadSession(appPaths(home), id);
    expect(record).toMatchObject({ state: 'passed', series: 2, attempts: 2, currentSteps: [1, 2, 3] });

    // A second reply is series 3, with both earlier series summarised.
    await server.setScript({ coder: [{ content: fileReply('print(1)\nprint(2)\nprint(3)') }], sheriff: [PASS] });
    await server.clearRequests();
    const again = await runCli(['sessions', 'reply', id, 'And 3.', '--server-url', server.url, '--json'], { cwd: repo, home });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(summaryOf(again.stdout)).toMatchObject({ status: 'passed', attempts: 1 });
    const prompt =
      (await server.requests())
        .find((r) => r.persona === 'coder')
        ?.messages.map((m) => m.content)
        .join('\n') ?? '';
    expect(prompt).toMatch(/Earlier series 1 \(the task\)/);
    expect(prompt).toMatch(/Earlier series 2 \("Also print 2 on a second line\."\): 2 attempt\(s\), passed/);
  });

  it('refuses an empty message and an unknown session as bad input (exit 2), changing nothing', async () => {
    const repo = makeRepo({ files: { 'README.md': 'r\n' } });
    const home = makeTempDir('mlxf-home-');
    const empty = await runCli(['sessions', 'reply', 'nope-123', '  ', '--server-url', server.url], { cwd: repo, home });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toMatch(/MESSAGE/);
    const unknown = await runCli(['sessions', 'reply', 'nope-123', 'do it', '--server-url', server.url], { cwd: repo, home });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/No session nope-123/);
  });
});
