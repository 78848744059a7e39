// A full disk under the session log (a tmpfs of a few MB as the app's home): the log must never be
// left with a broken line, the session must end in a clear `error` state that says the disk is full
// and where, the commits must survive, and after space is freed the session resumes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isFactoryError } from '../../src/errors/factory-error.js';
import { SessionLog, readSessionLog } from '../../src/sessions/session-log.js';
import { snapshotCheckout } from '../support/git-fixtures.js';
import { summaryOf } from '../support/run-cli.js';
import { startScriptedServer } from '../support/scripted-server/launch.js';
import {
  apiSessionState,
  cleanUpRunCgroups,
  CliProcess,
  expectLogMatchesRepo,
  fileReply,
  listSessions,
  PASS,
  readLog,
  sessionIdOf,
  sessionsCli,
  useFaultHarness,
} from './fault-support.js';

const mounts: string[] = [];

/** A tmpfs of `size` at a new folder; fails (with how to fix it) where mounting is not allowed. */
function mountTmpfs(size: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync('/var/tmp/mlxf-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `The disk-full tests mount a small tmpfs and need root (or CAP_SYS_ADMIN): ${(error as { stderr?: Buffer }).stderr?.toString() ?? String(error)}`,
    );
  }
  mounts.push(dir);
  return dir;
}

/** Fills the file system holding `dir` up to the last byte. */
function fill(dir: string): void {
  const fd = fs.openSync(path.join(dir, 'filler.bin'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  // Short writes may leave a few bytes: take them too.
  try {
    for (;;) fs.appendFileSync(path.join(dir, 'filler-tail.bin'), 'x');
  } catch {
    // full
  }
}

const faults = useFaultHarness({ server: false });
afterEach(async () => {
  for (const dir of mounts.splice(0)) {
    execFileSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await cleanUpRunCgroups();
});

describe('disk full while writing the session log', () => {
  it('SessionLog: never a broken line; DISK_FULL naming the file; only the last words are still written', () => {
    const dir = mountTmpfs('1m');
    const file = path.join(dir, 'sessions', 's1', 'events.jsonl');
    const log = SessionLog.open('s1', file);
    log.append({ type: 'attempt.started', attempt: 1 });
    expect(fs.existsSync(`${file}.reserve`)).toBe(true); // the space set aside for the end
    fill(dir);
    let written = 1;
    let failure: unknown;
    try {
      for (let i = 0; i < 10_000; i++) {
        log.append({ type: 'token.delta', attempt: 1, persona: 'coder', text: 'x'.repeat(700) });
        written++;
      }
    } catch (error) {
      failure = error;
    }
    expect(isFactoryError(failure) && failure.code).toBe('DISK_FULL');
    expect(String((failure as Error).message)).toContain(file);
    expect(String((failure as Error).message)).toMatch(/disk is full/);
    // Whatever made it to disk is whole events: no torn line for the store to trip over.
    const back = readSessionLog(file);
    expect(back).toMatchObject({ partialTail: false });
    expect(back.events).toHaveLength(written);
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    // More tokens are refused without touching the file; the end of the session still gets in.
    const size = fs.statSync(file).size;
    expect(() => log.append({ type: 'token.delta', attempt: 1, persona: 'coder', text: 'more' })).toThrow(/disk is full/);
    expect(fs.statSync(file).size).toBe(size);
    const last = log.append({
      type: 'session.finished',
      status: 'error',
      reason: (failure as Error).message,
      attempts: 1,
      tokens: { prompt: 0, completion: 0 },
      headCommit: 'abc',
    });
    log.close();
    const final = readSessionLog(file);
    expect(final.events.at(-1)).toEqual(last);
    expect(final.events.map((e) => e.seq)).toEqual(final.events.map((_, i) => i + 1));
    expect(fs.existsSync(`${file}.reserve`)).toBe(false);
  });

  it('a run whose check fills the disk ends as error "disk is full" with its commit kept, and resumes once space is freed', async () => {
    const home = mountTmpfs('4m');
    const ws = faults.workspace('diskfull', 'sandbox:\n  require: true\n', home);
    const before = snapshotCheckout(ws.repo);
    const filler = [
      'n = 0',
      'try:',
      "    with open('big.bin', 'wb') as f:",
      '        while True:',
      "            f.write(b'x' * 65536)",
      '            f.flush()',
      '            n += 65536',
      'except OSError as e:',
      "    print('disk filled after', n, 'bytes:', e.strerror, flush=True)",
    ].join('\n');
    const server = await startScriptedServer({ script: { coder: [{ content: fileReply(filler) }], sheriff: [PASS] } });
    try {
      const run = new CliProcess(['run', 'Fill the disk', '--server-url', server.url, '--json'], { cwd: ws.repo, home: ws.home });
      const result = await run.done;
      expect(result.exitCode, result.stderr).toBe(1);
      const summary = summaryOf(result.stdout);
      expect(summary).toMatchObject({ status: 'error', attempts: 1 });
      const id = sessionIdOf(run.events);
      const logFile = path.join(ws.home, 'sessions', id, 'events.jsonl');

      // A clear state everywhere: the log's last event, a restarted CLI, the API.
      const { events, partialTail } = readLog(ws.home, id);
      expect(partialTail).toBe(false);
      const finished = events.at(-1);
      expect(finished).toMatchObject({ type: 'session.finished', status: 'error' });
      const reason = finished?.type === 'session.finished' ? finished.reason : '';
      expect(reason).toMatch(/disk is full/);
      expect(reason).toContain(logFile);
      const listed = (await listSessions(ws)).find((s) => s.id === id);
      expect(listed).toMatchObject({ state: 'error', reason, steps: 1 });
      expect(await apiSessionState(ws.home, id)).toMatchObject({ state: 'error', reason, live: false });
      // Nothing lost: step 1 is in the repository and on the branch; the user's checkout is as it was.
      expectLogMatchesRepo(ws, id, listed?.branch ?? '');
      expect(snapshotCheckout(ws.repo)).toEqual(before);

      // Space freed (the user deletes the file the program wrote): resume passes.
      fs.rmSync(path.join(listed?.worktree ?? '', 'big.bin'));
      await server.setScript({ coder: [{ content: fileReply("print('small')") }], sheriff: [PASS] });
      const resumed = await sessionsCli(ws, ['resume', id, '--server-url', server.url, '--json']);
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      expect(summaryOf(resumed.stdout)).toMatchObject({ status: 'passed' });
      expectLogMatchesRepo(ws, id, listed?.branch ?? '');
      expect(fs.readdirSync(path.dirname(logFile)).sort()).toEqual(['events.jsonl', 'meta.json']);
      console.info(`[faults] disk full: session ${id} ended as error — ${reason.slice(0, 120)}…`);
    } finally {
      await server.stop();
    }
  });
});
