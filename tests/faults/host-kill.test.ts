// The host (the `mlx-factory` process running a session) SIGKILLed at the worst moments — during a
// Coder turn, during a check, during a merge — and then a restart: the session must be found
// `interrupted` (or in the state the merge really reached), resumable, with every recorded step in
// the repository, the user's checkout untouched, and no process of the killed run left behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTmpPrefix } from '../../src/sandbox/stale-run-files.js';
import { git, snapshotCheckout } from '../support/git-fixtures.js';
import { summaryOf } from '../support/run-cli.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';
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
  realGit,
  sessionIdOf,
  sessionsCli,
  type Workspace,
  useFaultHarness,
} from './fault-support.js';
import { waitFor } from '../support/wait-for.js';

const faults = useFaultHarness();

const HELLO = fileReply("print('hello')");
/** A long reply streamed slowly: the turn lasts seconds, so the kill lands inside it. */
const SLOW = { content: fileReply(`${'# padding line to make the reply long\n'.repeat(40)}print('hello')`), tokensPerSecond: 40 };

function startRun(workspace: Workspace, extra: string[] = []): CliProcess {
  return new CliProcess(['run', 'Print hello', '--server-url', faults.server.url, '--json', ...extra], {
    cwd: workspace.repo,
    home: workspace.home,
  });
}

async function resume(workspace: Workspace, id: string) {
  const result = await sessionsCli(workspace, ['resume', id, '--server-url', faults.server.url, '--json']);
  expect(result.exitCode, `${result.stdout.slice(-2000)}\n${result.stderr}`).toBe(0);
  return summaryOf(result.stdout);
}

describe('SIGKILL of the host, then a restart', () => {
  it('during a Coder turn: interrupted with step 1 intact, resumable to passed, checkout untouched', async () => {
    const ws = faults.workspace('coder');
    const before = snapshotCheckout(ws.repo);
    await faults.server.setScript({ coder: [{ content: fileReply('print(1/0)') }, SLOW, { content: HELLO }], sheriff: [FAIL, PASS] });
    const run = startRun(ws);
    await run.waitFor((e) => e.type === 'token.delta' && e['attempt'] === 2, 'a token of the second Coder turn');
    const killedAt = Date.now();
    const ended = await run.sigkill();
    expect(ended.signal).toBe('SIGKILL');
    const id = sessionIdOf(run.events);
    const worktree = String(run.events.find((e) => e.type === 'session.created')?.['worktree']);

    // What the crash left: a log that says the session runs, in a process (its session.created's pid) that is gone.
    const created = JSON.parse(fs.readFileSync(path.join(ws.home, 'sessions', id, 'events.jsonl'), 'utf8').split('\n')[0] ?? '{}') as {
      type: string;
      pid: number;
    };
    expect(created).toMatchObject({ type: 'session.created', pid: run.pid });

    // Restart: the CLI and the API both say interrupted.
    const listed = (await listSessions(ws)).find((s) => s.id === id);
    expect(listed).toMatchObject({ state: 'interrupted', attempts: 2, steps: 1 });
    expect(listed?.reason).toMatch(/process .* is gone/);
    expect(await apiSessionState(ws.home, id)).toMatchObject({ state: 'interrupted', live: false });

    // Nothing lost: the log holds attempt 1 complete (commit, check, verdict) and the start of attempt 2.
    const { events } = readLog(ws.home, id);
    const types = events.map((e) => `${e.type}${'attempt' in e ? `@${e.attempt}` : ''}`);
    for (const t of ['commit@1', 'exec.finished@1', 'verdict@1', 'attempt.started@2', 'turn.started@2']) expect(types).toContain(t);
    expect(types).not.toContain('commit@2');
    const [step1] = expectLogMatchesRepo(ws, id, listed?.branch ?? '');
    expect(git(ws.repo, 'show', `${step1}:main.py`)).toBe('print(1/0)\n');
    expect(snapshotCheckout(ws.repo)).toEqual(before);
    expect(await expectNoOrphans(worktree)).toBeLessThan(5000);

    // Resumable: it continues from attempt 2 and passes.
    const summary = await resume(ws, id);
    expect(summary).toMatchObject({ status: 'passed', session: id });
    expect((await listSessions(ws)).find((s) => s.id === id)).toMatchObject({ state: 'passed' });
    expectLogMatchesRepo(ws, id, listed?.branch ?? '');
    expect(snapshotCheckout(ws.repo)).toEqual(before);
    console.info(`[faults] SIGKILL during a Coder turn: restart + resume to passed in ${Date.now() - killedAt} ms`);
  });

  it('during a check: the check’s whole process tree dies with the host, the session is interrupted and resumable', async () => {
    const ws = faults.workspace('check');
    const before = snapshotCheckout(ws.repo);
    const marker = `4242.${crypto.randomInt(100000, 999999)}`;
    const program = [
      'import subprocess, time',
      `for _ in range(3): subprocess.Popen(['sleep', '${marker}'])`,
      `subprocess.Popen(['sh', '-c', 'sleep ${marker} & sleep ${marker}; wait'])`,
      "print('children started', flush=True)",
      'time.sleep(300)',
    ].join('\n');
    await faults.server.setScript({ coder: [{ content: fileReply(program) }, { content: HELLO }], sheriff: [PASS] });
    const run = startRun(ws, ['--timeout', '120']);
    const started = await run.waitFor((e) => e.type === 'exec.started', 'the check to start');
    await run.waitFor((e) => e.type === 'exec.output' && String(e['chunk']).includes('children started'), 'the check’s children');
    const pgid = Number(started['pgid']);
    expect(pgid).toBeGreaterThan(1); // recorded in the log, for whoever looks later
    expect(fs.readFileSync(`/proc/${pgid}/cmdline`, 'utf8')).toContain('bwrap');
    expect(fs.readFileSync(`/proc/${pgid}/cmdline`, 'utf8')).toContain('--die-with-parent');
    const worktree = String(run.events.find((e) => e.type === 'session.created')?.['worktree']);
    const killedAt = Date.now();
    await run.sigkill();
    // bwrap --die-with-parent: the kernel kills the sandbox's PID namespace with the host.
    const goneAfterMs = await expectNoOrphans(worktree, marker, 5000);
    console.info(
      `[faults] SIGKILL during a check: the check's 6 processes were gone ${goneAfterMs} ms after the host died (${Date.now() - killedAt} ms incl. polling)`,
    );
    expect(fs.existsSync(`/proc/${pgid}`) ? fs.readFileSync(`/proc/${pgid}/stat`, 'utf8').split(' ')[2] : 'gone').toMatch(/gone|Z/);

    const id = sessionIdOf(run.events);
    const listed = (await listSessions(ws)).find((s) => s.id === id);
    expect(listed).toMatchObject({ state: 'interrupted', attempts: 1, steps: 1 });
    expect(await apiSessionState(ws.home, id)).toMatchObject({ state: 'interrupted', live: false });
    const { events } = readLog(ws.home, id);
    expect(events.find((e) => e.type === 'exec.started')).toMatchObject({ attempt: 1, pgid });
    expect(events.some((e) => e.type === 'exec.finished')).toBe(false);
    expectLogMatchesRepo(ws, id, listed?.branch ?? '');
    expect(snapshotCheckout(ws.repo)).toEqual(before);

    const summary = await resume(ws, id);
    expect(summary).toMatchObject({ status: 'passed' });
    expectLogMatchesRepo(ws, id, listed?.branch ?? '');
    expect(snapshotCheckout(ws.repo)).toEqual(before);
    await expectNoOrphans(worktree, marker, 1000);
    // The killed host's run left its private temp dir; the next run (the resume's check) removed it.
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(runTmpPrefix(run.pid)))).toEqual([]);
  });

  describe('during a merge', () => {
    /**
     * A git on PATH that runs the real one but stops for good at the first command matching
     * FAULT_GIT_REGEX — before running it, or after (its effect done, the host not told) — and
     * writes its pid where the test waits for it. The test then SIGKILLs the host and this git: the
     * whole machine stopping at that instant.
     */
    function fakeGitDir(root: string, fault: { regex: string; when: 'before' | 'after' }): string {
      const dir = path.join(root, 'fake-git');
      fs.mkdirSync(dir);
      // The settings are written into the script: our git calls get a scrubbed environment, so
      // FAULT_* variables would not reach it.
      const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
      fs.writeFileSync(
        path.join(dir, 'git'),
        [
          '#!/bin/sh',
          `FAULT_GIT_DIR=${quote(dir)}; FAULT_GIT_REGEX=${quote(fault.regex)}; FAULT_GIT_WHEN=${fault.when}; FAULT_GIT_REAL=${quote(realGit())}`,
          'if [ ! -e "$FAULT_GIT_DIR/paused" ] && printf "%s" " $* " | grep -Eq "$FAULT_GIT_REGEX"; then',
          '  if [ "$FAULT_GIT_WHEN" = after ]; then "$FAULT_GIT_REAL" "$@" >/dev/null 2>&1; fi',
          '  echo $$ > "$FAULT_GIT_DIR/paused.tmp" && mv "$FAULT_GIT_DIR/paused.tmp" "$FAULT_GIT_DIR/paused"',
          '  exec sleep 600',
          'fi',
          'exec "$FAULT_GIT_REAL" "$@"',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      return dir;
    }

    async function waitForFile(file: string): Promise<string> {
      await waitFor(file, () => fs.existsSync(file));
      return fs.readFileSync(file, 'utf8').trim();
    }

    /**
     * `logged`: whether the session log holds the merge when the kill lands — never when git is cut
     * off mid-merge (the event is written after git), always when the kill lands after the merge
     * process ended. That decides what merging again must say, so each case expects one answer.
     */
    const cases = [
      { name: 'while it predicts the merge (nothing changed yet)', regex: ' merge-tree ', when: 'before', logged: false },
      {
        name: 'right after git fast-forwarded the user’s checkout, before the log knew',
        regex: ' merge --ff-only ',
        when: 'after',
        logged: false,
      },
      {
        name: 'after the merged/ ref was written, before the merge event',
        regex: ' update-ref .*refs/factory/.*/merged/',
        when: 'after',
        logged: false,
      },
      { name: 'after the merge ended (the kill lands on a finished merge)', regex: null, when: 'after', logged: true },
    ] as const;

    it.each(cases)('$name: the repository is consistent and merging again converges', async ({ regex, when, logged }) => {
      const ws = faults.workspace('merge');
      // A passed session, made in-process exactly as the loop makes one (worktree, commit, log, meta).
      const session = await createSessionFixture({ repo: ws.repo, home: ws.home, name: 'Print hello' });
      await addStep(session, { files: { 'main.py': "print('hello')\n" } });
      finishSession(session, 'passed');
      const id = session.id;
      const mainBefore = git(ws.repo, 'rev-parse', 'main').trim();
      const userBefore = {
        notes: fs.readFileSync(path.join(ws.repo, 'notes.txt'), 'utf8'),
        scratch: fs.readFileSync(path.join(ws.repo, 'scratch.txt'), 'utf8'),
      };

      if (regex === null) {
        const first = await new CliProcess(['sessions', 'merge', id, '--json'], { cwd: ws.repo, home: ws.home }).done;
        expect(first.exitCode, first.stderr).toBe(0);
      } else {
        const fake = fakeGitDir(ws.root, { regex, when });
        const merge = new CliProcess(['sessions', 'merge', id, '--json'], {
          cwd: ws.repo,
          home: ws.home,
          env: { PATH: `${fake}:${process.env.PATH ?? ''}` },
        });
        const pausedPid = Number(await waitForFile(path.join(fake, 'paused')));
        await merge.sigkill();
        process.kill(pausedPid, 'SIGKILL');
      }

      // Consistent: objects and refs sound, no lock left, the user's own changes untouched, and
      // main either where it was or at a merge whose tree the checkout shows.
      expect(git(ws.repo, 'fsck', '--no-dangling', '--no-progress').trim()).toBe('');
      expect(fs.readdirSync(path.join(ws.repo, '.git')).filter((f) => f.endsWith('.lock'))).toEqual([]);
      expect(fs.readFileSync(path.join(ws.repo, 'notes.txt'), 'utf8')).toBe(userBefore.notes);
      expect(fs.readFileSync(path.join(ws.repo, 'scratch.txt'), 'utf8')).toBe(userBefore.scratch);
      const mainAfterKill = git(ws.repo, 'rev-parse', 'main').trim();
      expect(git(ws.repo, 'status', '--porcelain', '--untracked-files=all')).toBe(' M notes.txt\n?? scratch.txt\n');
      if (when === 'before') expect(mainAfterKill).toBe(mainBefore);
      else expect(git(ws.repo, 'show', 'main:main.py')).toBe("print('hello')\n");
      const mergesLogged = (): number => readLog(ws?.home ?? '', id).events.filter((e) => e.type === 'merge').length;
      expect(mergesLogged()).toBe(logged ? 1 : 0);

      // Restart: a clear state (the run had passed; the merge is either recorded or not), never stuck.
      const state = (await listSessions(ws)).find((s) => s.id === id)?.state;
      expect(state).toBe(logged ? 'merged' : 'passed');
      expect((await apiSessionState(ws.home, id)).state).toBe(logged ? 'merged' : 'passed');

      // Merging again converges, exit 0 every time: main holds the session's change exactly once.
      const logBeforeAgain = fs.readFileSync(path.join(ws.home, 'sessions', id, 'events.jsonl'), 'utf8');
      const again = await sessionsCli(ws, ['merge', id, '--json']);
      expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
      const answer = JSON.parse(again.stdout) as { alreadyMerged: boolean; message: string; mergedCommit: string };
      if (logged) {
        // The kill landed after the merge: "Already merged", and nothing changes (not even the log).
        expect(answer.alreadyMerged).toBe(true);
        expect(answer.message).toMatch(/^Already merged/);
        expect(answer.mergedCommit).toBe(mainAfterKill);
        expect(fs.readFileSync(path.join(ws.home, 'sessions', id, 'events.jsonl'), 'utf8')).toBe(logBeforeAgain);
        expect(git(ws.repo, 'rev-parse', 'main').trim()).toBe(mainAfterKill);
      } else if (when === 'before') {
        expect(answer.alreadyMerged).toBe(false);
        expect(answer.message).toMatch(/^Squash-merged 1 file\(s\) into main/);
      } else {
        // The merge reached git but not the log: merging again records it (found by its trailer).
        expect(answer.alreadyMerged).toBe(false);
        expect(answer.message).toContain('it is recorded now');
        expect(answer.mergedCommit).toBe(mainAfterKill);
      }
      expect(mergesLogged()).toBe(1);
      const mergedOnce = git(ws.repo, 'log', '--format=%H', `${mainBefore}..main`)
        .split('\n')
        .filter((l) => l !== '');
      expect(mergedOnce, `${again.stdout}\n${again.stderr}`).toHaveLength(1);
      expect(git(ws.repo, 'show', 'main:main.py')).toBe("print('hello')\n");
      expect(git(ws.repo, 'status', '--porcelain', '--untracked-files=all')).toBe(' M notes.txt\n?? scratch.txt\n');
      const finalState = (await apiSessionState(ws.home, id)).state;
      console.info(
        `[faults] SIGKILL during a merge (${regex?.trim() ?? 'after it ended'}, ${when}): main ${mainAfterKill === mainBefore ? 'unchanged' : 'merged'} at the kill; merge again → exit ${again.exitCode}, state ${finalState}: ${answer.message}`,
      );
      expect(
        finalState,
        'The merge reached git but not the session log; merging again must record it (a merge of this session found on the target: refs/factory/<id>/merged/<n>, or the Factory-Session trailer) instead of only saying there is nothing to merge.',
      ).toBe('merged');

      // And once more: recorded now, so "Already merged", exit 0, nothing changes.
      const mainNow = git(ws.repo, 'rev-parse', 'main').trim();
      const logNow = fs.readFileSync(path.join(ws.home, 'sessions', id, 'events.jsonl'), 'utf8');
      const third = await sessionsCli(ws, ['merge', id]);
      expect(third.exitCode, third.stderr).toBe(0);
      expect(third.stdout).toMatch(/^Already merged/);
      expect(git(ws.repo, 'rev-parse', 'main').trim()).toBe(mainNow);
      expect(fs.readFileSync(path.join(ws.home, 'sessions', id, 'events.jsonl'), 'utf8')).toBe(logNow);
    });
  });
});
