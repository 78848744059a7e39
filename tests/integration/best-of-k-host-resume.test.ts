// Best of K (#16) after a crash, resumed from the app: a group started by the real CLI is SIGKILLed
// while both siblings wait on the model (mid-turn); a host started afterwards on the same home (as
// the app after a restart) is asked through the typed API to resume one sibling, and continues every
// unfinished sibling of the group — the same siblings `sessions resume GROUP` would — so the one that
// now gets the right reply wins and stops the other. Real git, the real sandbox, the scripted server.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/api/payloads.js';
import { ClientConnection } from '../../src/host/client-connection.js';
import { createHost } from '../../src/host/create-host.js';
import { handleRequest, type RequestContext } from '../../src/host/handle-request.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { git, makeRepo, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { jsonLines, runCli } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { StubServerControl } from '../support/stub-server-control.js';
import { waitFor } from '../support/wait-for.js';

const CHECK = 'python3 -c "from calc import add; assert add(2, 3) == 5, add(2, 3)"';
const RIGHT = { content: 'calc.py\n```python\ndef add(a, b):\n    return a + b\n```\n' };
const WRONG = { content: 'calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n' };
const HANG = { content: '', fault: 'hang' as const };

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

/** Kills `run --best-of 2` with SIGKILL once both siblings wait on the model; returns the siblings' ids and the group's. */
async function killedGroup(repo: string, home: string): Promise<{ groupId: string; ids: string[] }> {
  await server.setScript({ coder: [HANG] });
  await server.clearRequests();
  let pid = 0;
  const killed = runCli(
    ['run', 'Make add() return the sum', '--repo', repo, '--check', CHECK, '--best-of', '2', '--server-url', server.url, '--json'],
    { cwd: repo, home, onSpawn: (p) => (pid = p) },
  );
  await waitFor('both siblings to ask the model', async () => (await server.requests()).filter((r) => r.persona === 'coder').length >= 2, {
    timeoutMs: 120_000,
  });
  process.kill(pid, 'SIGKILL');
  const dead = await killed;
  expect(dead.signal).toBe('SIGKILL');
  const created = jsonLines(dead.stdout).filter((e) => e.type === 'session.created');
  const plans = created.map((e) => e['plan'] as { group: { id: string; index: number } });
  const ids = created.map((e) => e['session'] as string);
  expect(ids).toHaveLength(2);
  // In sibling order (index 0 first), whatever order their creation was printed in.
  const ordered = ids.map((id, i) => ({ id, index: plans[i]?.group.index ?? 0 })).sort((a, b) => a.index - b.index);
  return { groupId: plans[0]?.group.id ?? '', ids: ordered.map((s) => s.id) };
}

describe('resuming a best-of-K group from the app', () => {
  it('Resume on one sibling continues every unfinished sibling; the one that gets the right reply wins', async () => {
    const repo = makeRepo({ files: { 'calc.py': 'def add(a, b):\n    raise NotImplementedError\n', 'README.md': '# calc\n' } });
    const home = makeTempDir('mlxf-home-');
    const { groupId, ids } = await killedGroup(repo, home);

    // The app starts again on the same home: the dead group reads as interrupted.
    const host = createHost({
      home,
      version: '9.9.9-test',
      server: new StubServerControl(server.url),
      chatModelFor: ({ llmTimeoutMs }) => new OpenAiChatModel({ baseUrl: server.url, timeoutMs: llmTimeoutMs }),
    });
    const connection = new ClientConnection(host, () => undefined);
    const context: RequestContext = { host, connection, transport: 'web', native: { notifications: false } };
    try {
      const listed = await handleRequest(context, 'sessions.list', {});
      expect(listed.ok).toBe(true);
      const before = (listed as { data: { sessions: SessionInfo[] } }).data.sessions;
      expect(before.filter((s) => s.group?.id === groupId).map((s) => s.state)).toEqual(['interrupted', 'interrupted']);

      // Now the second sibling (its own temperature, 0.55) gets the right reply; the first one a wrong one, then nothing.
      await server.setScript({
        routes: [
          { match: { temperature: 0 }, coder: [WRONG, HANG], sheriff: [{ content: 'It subtracts.\n\nVERDICT: FAIL' }] },
          { match: { temperature: 0.55 }, coder: [RIGHT], sheriff: [{ content: 'It adds; the check passed.\n\nVERDICT: PASS' }] },
        ],
      });
      const [first, second] = ids as [string, string];
      const resumed = await handleRequest(context, 'sessions.resume', { id: first });
      expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
      expect((resumed as { data: SessionInfo }).data).toMatchObject({ id: first, live: true, state: 'running' });
      // Both siblings run in this host, though only one was asked for (their logs below say each was resumed).
      await Promise.all(ids.map((id) => host.sessions.settled(id)));

      const after = (await handleRequest(context, 'sessions.list', {})) as { data: { sessions: SessionInfo[] } };
      const state = Object.fromEntries(after.data.sessions.map((s) => [s.id, s.state]));
      expect(state[second]).toBe('passed');
      expect(state[first]).toBe('cancelled');
      // Each sibling's log says it was resumed, once.
      const resumedIn = (id: string): number =>
        readSessionLog(sessionFiles(path.join(home, 'sessions'), id).log).events.filter((e) => e.type === 'session.resumed').length;
      expect(ids.map(resumedIn)).toEqual([1, 1]);

      // The winner merges from the app as any session does.
      const merged = await handleRequest(context, 'sessions.merge', { id: second, squash: true });
      expect(merged.ok, JSON.stringify(merged)).toBe(true);
      expect(git(repo, 'show', 'main:calc.py')).toContain('return a + b');

      // The group has a winner now: Resume on the stopped sibling continues that sibling alone.
      await server.setScript({ coder: [HANG] });
      const alone = await handleRequest(context, 'sessions.resume', { id: first });
      expect(alone.ok, JSON.stringify(alone)).toBe(true);
      expect(host.sessions.runningIds).toEqual([first]);
      host.sessions.cancel(first);
      await host.sessions.settled(first);
    } finally {
      connection.close();
      await host.shutdown();
    }
  }, 300_000);
});
