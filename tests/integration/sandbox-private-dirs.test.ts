// The app's own session logs, server logs and other sessions' worktrees are not the command's to
// read: a setup or run script has the network and could send every other session's transcript and
// code away. Its own worktree, inside the app's worktrees folder, stays visible and writable.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxed } from '../../src/sandbox/index.js';
import { makeDir, requireSandbox } from './sandbox-support.js';

// Not under /tmp: the sandbox replaces /tmp with an empty one anyway, which would prove nothing.
const home = makeDir('mlxf-private-home-', '/var/tmp');
const own = path.join(home, 'worktrees', 'repo-1', 'session-a');
const other = path.join(home, 'worktrees', 'repo-2', 'session-b');
let previousHome: string | undefined;

beforeAll(async () => {
  await requireSandbox();
  for (const dir of [own, other, path.join(home, 'sessions', 'b'), path.join(home, 'logs')]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(own, 'main.txt'), 'mine\n');
  fs.writeFileSync(path.join(other, 'secret.py'), 'TOKEN = "other repo"\n');
  fs.writeFileSync(path.join(home, 'sessions', 'b', 'events.jsonl'), '{"type":"session.created"}\n');
  fs.writeFileSync(path.join(home, 'logs', 'server.log'), 'prompt of another session\n');
  previousHome = process.env['MLX_FACTORY_HOME'];
  process.env['MLX_FACTORY_HOME'] = home;
});

afterAll(() => {
  if (previousHome === undefined) delete process.env['MLX_FACTORY_HOME'];
  else process.env['MLX_FACTORY_HOME'] = previousHome;
  fs.rmSync(home, { recursive: true, force: true });
});

describe('the app home in the sandbox', () => {
  it.each([false, true])('hides the logs and other worktrees, keeps its own worktree (network: %s)', async (network) => {
    const result = await runSandboxed({
      command: [
        'cat main.txt',
        `cat ${other}/secret.py || echo "no other worktree"`,
        `cat ${home}/sessions/b/events.jsonl || echo "no session logs"`,
        `cat ${home}/logs/server.log || echo "no server log"`,
        'echo written > new.txt',
      ].join('\n'),
      cwd: own,
      timeoutMs: 30_000,
      sandbox: 'required',
      network,
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain('mine\n');
    expect(result.output).toContain('no other worktree\n');
    expect(result.output).toContain('no session logs\n');
    expect(result.output).toContain('no server log\n');
    expect(result.output).not.toContain('other repo');
    expect(result.output).not.toContain('session.created');
    expect(result.output).not.toContain('prompt of another session');
    expect(fs.readFileSync(path.join(own, 'new.txt'), 'utf8')).toBe('written\n');
    // Nothing of the host's folders was touched by the empty views.
    expect(fs.readFileSync(path.join(other, 'secret.py'), 'utf8')).toContain('other repo');
  });
});
