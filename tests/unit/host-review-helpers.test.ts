import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/api/events.js';
import { ArchivedSessions } from '../../src/host/archived-sessions.js';
import { launchDetached, nothingToOpenWith, openCandidates, openWorktree } from '../../src/host/open-in.js';
import { taskTitle } from '../../src/api/session-row.js';
import { stepResults } from '../../src/host/step-results.js';
import { worktreeDiskUsage } from '../../src/host/worktree-disk-usage.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-review-helpers-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let seq = 0;
const ev = (body: Record<string, unknown>): SessionEvent =>
  ({ session: 's', seq: ++seq, time: '2026-01-01T00:00:00Z', ...body }) as SessionEvent;
const exec = (attempt: number, exitCode: number | null, timedOut = false): SessionEvent =>
  ev({ type: 'exec.finished', attempt, exitCode, signal: null, timedOut, durationMs: 1, output: '', totalBytes: 0, truncated: false });

describe('stepResults', () => {
  it('pairs each step with the check and verdict of its attempt that follow it', () => {
    const results = stepResults([
      ev({ type: 'commit', attempt: 1, step: 1, sha: 'a', files: ['x'] }),
      exec(1, 1),
      ev({ type: 'verdict', attempt: 1, verdict: 'FAIL', passed: false, feedback: '' }),
      ev({ type: 'commit', attempt: 2, step: 2, sha: 'b', files: ['x'] }),
      ev({ type: 'commit', attempt: 2, step: 3, sha: 'c', files: ['y'] }),
      exec(2, 0),
      ev({ type: 'verdict', attempt: 2, verdict: 'PASS', passed: true, feedback: '' }),
      // A later series numbers its attempts from 1 again: step 4 gets its own check, not step 1's.
      ev({ type: 'commit', attempt: 1, step: 4, sha: 'd', files: ['z'] }),
      exec(1, null, true),
    ]);
    expect(results.get(1)).toEqual({ check: { exitCode: 1, timedOut: false }, verdict: 'FAIL', passed: false });
    expect(results.get(2)).toEqual({ check: { exitCode: 0, timedOut: false }, verdict: 'PASS', passed: true });
    expect(results.get(3)).toEqual(results.get(2));
    expect(results.get(4)).toEqual({ check: { exitCode: null, timedOut: true }, verdict: null, passed: null });
  });
});

describe('taskTitle', () => {
  it('is the first line, whole, without an ellipsis', () => {
    const long = `Write ${'a very long '.repeat(10)}task`;
    expect(taskTitle(`${long}\nmore`, 'short...')).toBe(long);
    expect(taskTitle('  \n', 'fallback')).toBe('fallback');
  });
});

describe('openCandidates', () => {
  const none = (): boolean => false;
  const linux = { platform: 'linux' as const, editor: null };
  it('opens the worktree with an argument array, never a shell string', () => {
    expect(openCandidates('editor', '/w t', { platform: 'linux', editor: ['code', '--new-window'], found: () => true })).toEqual([
      { command: 'code', args: ['--new-window', '/w t'], cwd: '/w t' },
    ]);
    expect(openCandidates('editor', '/w', { ...linux, found: (p) => p === 'code' })).toEqual([
      { command: 'code', args: ['/w'], cwd: '/w' },
    ]);
    expect(openCandidates('files', '/w', { platform: 'darwin', editor: null, found: none })).toEqual([
      { command: 'open', args: ['/w'], cwd: '/w' },
    ]);
    expect(openCandidates('files', '/w', { ...linux, found: (p) => p === 'xdg-open' })).toEqual([
      { command: 'xdg-open', args: ['/w'], cwd: '/w' },
    ]);
  });

  it('lists the platform’s usual candidates per target, in order, and none when nothing is there', () => {
    expect(openCandidates('terminal', '/w', { platform: 'darwin', editor: null, found: none }).map((c) => c.args)).toEqual([
      ['-a', 'iTerm', '/w'],
      ['-a', 'Terminal', '/w'],
    ]);
    expect(openCandidates('editor', '/w', { platform: 'darwin', editor: null, found: none })[0]).toEqual({
      command: 'open',
      args: ['-a', 'Visual Studio Code', '/w'],
      cwd: '/w',
    });
    const terminals = openCandidates('terminal', '/w', { ...linux, found: (p) => ['gnome-terminal', 'xterm', 'konsole'].includes(p) });
    expect(terminals.map((c) => [c.command, ...c.args])).toEqual([
      ['gnome-terminal', '--working-directory=/w'],
      ['konsole', '--workdir', '/w'],
      ['xterm'],
    ]);
    expect(terminals.every((c) => c.cwd === '/w')).toBe(true);
    expect(openCandidates('terminal', '/w', { ...linux, found: none })).toEqual([]);
    // No editor never means "the file manager instead".
    expect(openCandidates('editor', '/w', { ...linux, found: (p) => p === 'xdg-open' })).toEqual([]);
    // A configured editor that is not installed is not replaced by another one.
    expect(openCandidates('editor', '/w', { platform: 'linux', editor: ['no-such-editor'], found: (p) => p === 'code' })).toEqual([]);
  });

  it('says per target what is missing, in plain words', () => {
    expect(nothingToOpenWith('terminal', linux, [])).toMatch(
      /^No terminal found \(looked for x-terminal-emulator, gnome-terminal, .*xterm\)/,
    );
    expect(nothingToOpenWith('editor', linux, [])).toContain('Set "Editor command" in Settings');
    expect(nothingToOpenWith('editor', { platform: 'linux', editor: ['subl', '-n'] }, [])).toContain('"subl -n" could not be started');
    expect(nothingToOpenWith('terminal', linux, [])).not.toContain('Editor command');
    for (const target of ['editor', 'terminal', 'files'] as const)
      expect(nothingToOpenWith(target, linux, ['x exited with 1'])).not.toContain('`');
  });
});

describe('openWorktree', () => {
  it('tries the next candidate when one fails at once, and answers OPEN_FAILED naming what it tried', async () => {
    const bin = path.join(tmp, 'open-bin');
    fs.mkdirSync(bin, { recursive: true });
    const script = (name: string, body: string): void => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    script('x-terminal-emulator', 'exit 3');
    script('xterm', 'pwd > "$0.ran"; exit 0');
    const worktree = path.join(tmp, 'wt');
    fs.mkdirSync(worktree, { recursive: true });
    const found = (p: string): boolean => fs.existsSync(path.join(bin, p));
    const pathed = (p: string): string => path.join(bin, p);
    const options = { platform: 'linux' as const, editor: null, found };
    const candidates = openCandidates('terminal', worktree, options).map((c) => ({ ...c, command: pathed(c.command) }));
    expect(candidates.map((c) => path.basename(c.command))).toEqual(['x-terminal-emulator', 'xterm']);
    expect(await launchDetached(candidates[0]!)).toEqual({ ok: false, why: expect.stringContaining('exited with 3') as string });
    expect(await launchDetached(candidates[1]!)).toEqual({ ok: true });
    expect(fs.readFileSync(path.join(bin, 'xterm.ran'), 'utf8').trim()).toBe(fs.realpathSync(worktree));
    await expect(openWorktree('terminal', worktree, { platform: 'linux', editor: null, found: () => false })).rejects.toMatchObject({
      code: 'OPEN_FAILED',
      message: expect.stringMatching(/^No terminal found/) as string,
    });
  });
});

describe('ArchivedSessions', () => {
  it('keeps archived ids across instances and reports what changed', () => {
    const file = path.join(tmp, 'home', 'archived-sessions.json');
    const first = new ArchivedSessions(file);
    expect(first.set(['a', 'b'], true)).toEqual(['a', 'b']);
    expect(first.set(['a'], true)).toEqual([]);
    const second = new ArchivedSessions(file);
    expect(second.has('a')).toBe(true);
    expect(second.set(['a'], false)).toEqual(['a']);
    expect(new ArchivedSessions(file).has('a')).toBe(false);
    expect(new ArchivedSessions(file).has('b')).toBe(true);
  });

  it('reads a damaged file as nothing archived', () => {
    const file = path.join(tmp, 'bad.json');
    fs.writeFileSync(file, '{"version":1,"ids":[');
    expect(new ArchivedSessions(file).has('a')).toBe(false);
  });
});

describe('worktreeDiskUsage', () => {
  it('counts files, not what links point to, and says when a worktree is gone', async () => {
    const root = path.join(tmp, 'wt');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a.txt'), 'x'.repeat(10_000));
    fs.writeFileSync(path.join(root, 'sub', 'b.txt'), 'y');
    const big = path.join(tmp, 'outside.bin');
    fs.writeFileSync(big, Buffer.alloc(2_000_000, 1));
    fs.symlinkSync(big, path.join(root, 'link'));
    fs.symlinkSync('/', path.join(root, 'root-link'));
    const usage = await worktreeDiskUsage(root);
    expect(usage.exists).toBe(true);
    expect(usage.files).toBe(4);
    expect(usage.bytes).toBeGreaterThanOrEqual(10_001);
    expect(usage.bytes).toBeLessThan(1_000_000);
    expect(await worktreeDiskUsage(path.join(tmp, 'nope'))).toEqual({ bytes: 0, files: 0, exists: false, partial: false });
    expect((await worktreeDiskUsage(root, 2)).partial).toBe(true);
  });
});
