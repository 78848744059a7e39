// Best of K (#16) end to end through the real CLI: K sibling sessions on one repository and one
// scripted server that answers each sibling by the temperature its requests ask. Exactly one sibling
// gets a correct reply: it wins, the others are stopped (their model calls hang until then), and
// `sessions merge GROUP` brings the winner's code. A group whose process is SIGKILLed mid-run is
// continued by `sessions resume GROUP` and completes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { jsonLines, runCli, summaryOf } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';

const CHECK = 'python3 -c "from calc import add; assert add(2, 3) == 5, add(2, 3)"';
const RIGHT = { content: 'calc.py\n```python\ndef add(a, b):\n    return a + b\n```\n' };
const WRONG = { content: 'calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n' };
const HANG = { content: '', fault: 'hang' as const };
const PASS = { content: 'The check passed and the code adds.\n\nVERDICT: PASS' };
const FAIL = { content: 'It subtracts.\n\nVERDICT: FAIL' };

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

function fixtureRepo(): { repo: string; home: string } {
  const repo = makeRepo({ files: { 'calc.py': 'def add(a, b):\n    raise NotImplementedError\n', 'README.md': '# calc\n' } });
  return { repo, home: makeTempDir('mlxf-home-') };
}

interface GroupSummary {
  id: string;
  state: string;
  group: string;
  winner: string | null;
  siblings: Array<{ id: string; state: string; temperature: number }>;
  headCommit: string;
}

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('run --best-of K', () => {
  it('one sibling gets the right reply: it wins, the others stop, merge GROUP brings its code', async () => {
    const { repo, home } = fixtureRepo();
    // K = 3: sibling 1 at the configured temperature (0), the others spread over 0.3–0.8.
    await server.setScript({
      routes: [
        { match: { temperature: 0 }, coder: [WRONG, HANG], sheriff: [FAIL] },
        { match: { temperature: 0.3 }, coder: [HANG] },
        { match: { temperature: 0.8 }, coder: [RIGHT], sheriff: [PASS] },
      ],
    });
    await server.clearRequests();
    const run = await runCli(
      ['run', 'Make add() return the sum', '--repo', repo, '--check', CHECK, '--best-of', '3', '--server-url', server.url, '--json'],
      {
        cwd: repo,
        home,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const summary = summaryOf(run.stdout) as unknown as GroupSummary & { status: string };
    expect(summary.group).toMatch(/^g\d{10}-[0-9a-f]+$/);
    expect(summary.siblings.map((s) => s.temperature)).toEqual([0, 0.3, 0.8]);
    const winner = summary.siblings[2];
    expect(summary.winner).toBe(winner?.id);
    // The winner's usual fields beside the group's.
    expect(summary).toMatchObject({ id: winner?.id, state: 'passed', session: winner?.id, status: 'passed' });
    expect(summary.siblings.map((s) => s.state)).toEqual(['cancelled', 'cancelled', 'passed']);
    // Every sibling's events were on the stream, under its own id.
    const created = jsonLines(run.stdout).filter((e) => e.type === 'session.created');
    expect(new Set(created.map((e) => e['session']))).toEqual(new Set(summary.siblings.map((s) => s.id)));

    // The siblings' first requests asked different temperatures.
    const coderRequests = (await server.requests()).filter((r) => r.persona === 'coder');
    expect(new Set(coderRequests.map((r) => r.temperature))).toEqual(new Set([0, 0.3, 0.8]));

    // The list shows the group and its siblings.
    const list = await runCli(['sessions', 'list', '--json'], { cwd: repo, home });
    const listed = JSON.parse(list.stdout) as { groups: Array<{ id: string; state: string; winner: string; siblings: unknown[] }> };
    expect(listed.groups).toEqual([expect.objectContaining({ id: summary.group, state: 'passed', winner: winner?.id })]);
    const text = await runCli(['sessions', 'list'], { cwd: repo, home });
    expect(text.stdout).toContain(`${summary.group}`);
    expect(text.stdout).toContain(`best of 3, winner ${winner?.id ?? ''}`);

    // merge GROUP merges the winner: the user's main has the right code.
    const merge = await runCli(['sessions', 'merge', summary.group], { cwd: repo, home });
    expect(merge.exitCode, merge.stderr).toBe(0);
    expect(merge.stdout).toContain(`merged the winner ${winner?.id ?? ''}`);
    expect(git(repo, 'show', 'main:calc.py')).toContain('return a + b');
    expect(fs.readFileSync(path.join(repo, 'calc.py'), 'utf8')).toContain('return a + b');

    // Discarding the group discards every sibling.
    const discard = await runCli(['sessions', 'discard', summary.group, '--json'], { cwd: repo, home });
    expect(discard.exitCode, discard.stderr).toBe(0);
    expect((JSON.parse(discard.stdout) as { discarded: string[] }).discarded).toHaveLength(3);
    const after = JSON.parse((await runCli(['sessions', 'list', '--json'], { cwd: repo, home })).stdout) as {
      sessions: Array<{ id: string; state: string; cleanedUp: boolean }>;
    };
    // A merged session stays "merged" once cleaned up; the others read "discarded".
    const states = Object.fromEntries(after.sessions.map((s) => [s.id, s.state]));
    expect(summary.siblings.map((s) => states[s.id])).toEqual(['discarded', 'discarded', 'merged']);
    expect(after.sessions.every((s) => s.state === 'discarded' || s.cleanedUp)).toBe(true);
  }, 300_000);

  it('a group killed mid-run (SIGKILL) is continued by `sessions resume GROUP` and completes', async () => {
    const { repo, home } = fixtureRepo();
    await server.setScript({ coder: [HANG] });
    await server.clearRequests();
    let pid = 0;
    const killed = runCli(
      ['run', 'Make add() return the sum', '--repo', repo, '--check', CHECK, '--best-of', '2', '--server-url', server.url, '--json'],
      {
        cwd: repo,
        home,
        onSpawn: (p) => (pid = p),
      },
    );
    // Both siblings are waiting on the model: kill the whole CLI without a chance to clean up.
    await waitFor('both siblings to ask the model', async () => (await server.requests()).filter((r) => r.persona === 'coder').length >= 2);
    process.kill(pid, 'SIGKILL');
    const dead = await killed;
    expect(dead.signal).toBe('SIGKILL');
    const created = jsonLines(dead.stdout).filter((e) => e.type === 'session.created');
    const groupId = (created[0]?.['plan'] as { group: { id: string } }).group.id;

    const show = await runCli(['sessions', 'show', groupId, '--json'], { cwd: repo, home });
    expect(JSON.parse(show.stdout)).toMatchObject({ id: groupId, state: 'interrupted', winner: null });

    // Now sibling 2 (temperature 0.55) gets the right reply.
    await server.setScript({
      routes: [
        { match: { temperature: 0 }, coder: [WRONG, HANG], sheriff: [FAIL] },
        { match: { temperature: 0.55 }, coder: [RIGHT], sheriff: [PASS] },
      ],
    });
    const resume = await runCli(['sessions', 'resume', groupId, '--server-url', server.url, '--json'], { cwd: repo, home });
    expect(resume.exitCode, resume.stderr).toBe(0);
    const summary = summaryOf(resume.stdout) as unknown as GroupSummary & { resumed: string[] };
    expect(summary.resumed).toHaveLength(2);
    expect(summary.winner).toBe(summary.siblings[1]?.id);
    expect(summary.siblings.map((s) => s.state)).toEqual(['cancelled', 'passed']);
    expect(jsonLines(resume.stdout).filter((e) => e.type === 'session.resumed')).toHaveLength(2);

    const merge = await runCli(['sessions', 'merge', groupId], { cwd: repo, home });
    expect(merge.exitCode, merge.stderr).toBe(0);
    expect(git(repo, 'show', 'main:calc.py')).toContain('return a + b');
  }, 300_000);
});
