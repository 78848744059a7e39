// The one projection of a session's log (src/api/session-projection.ts), checked on random valid
// logs: runs, kills, resumes, replies, rollbacks, restores, updates from the base, merges, cleanup,
// discards and comments. The projection of the whole log must equal the one the session store builds
// incrementally as lines are appended (reading only what was appended, caching the row in meta.json),
// the one a restarted process lists (meta.json) and rebuilds from disk, and the one the renderer's
// transcript keeps from event batches.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { SessionEvent, SessionEventPayload } from '../../src/api/events.js';
import { projectAll } from '../../src/api/session-projection.js';
import { sessionRow } from '../../src/api/session-row.js';
import { appPaths } from '../../src/home/app-home.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { applyEvents, emptyTranscript } from '../../renderer/src/lib/transcript-reducer.js';

/** mulberry32: small, seedable, good enough to pick among a handful of moves. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PID = 4242;

/** A random log that a real session could have written, move by move. */
export function randomLog(seed: number, id = 's1'): SessionEvent[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const events: SessionEvent[] = [];
  const emit = (payload: SessionEventPayload): void => {
    const seq = events.length + 1;
    events.push({ ...payload, session: id, seq, time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString() } as SessionEvent);
  };
  emit({
    type: 'session.created',
    task: { name: 'T', description: 'Make it print 42', constraints: [], files: ['spec.md'] },
    repo: '/repo',
    worktree: '/wt',
    gitDir: '/repo/.git/worktrees/wt',
    branch: `factory/t-${id}`,
    baseCommit: 'base0',
    baseBranch: 'main',
    uncommittedNotIncluded: [],
    plan: {
      check: rnd() < 0.5 ? { kind: 'command', command: 'python3 main.py' } : { kind: 'entry-file' },
      limits: {
        maxAttempts: 4,
        executionTimeoutMs: 60_000,
        llmTimeoutMs: 120_000,
        maxTokensPerTurn: 8192,
        totalTokenBudget: 100_000,
        temperature: 0,
        stagnationThreshold: 3,
        maxPromptTokens: 6000,
      },
      sandbox: 'auto',
    },
    pid: PID,
  });
  let running = true;
  let attempt = 0;
  let series = 1;
  let step = 0;
  let head = 'base0';
  let base = 'base0';
  const shas = new Map<number, string>();
  let line: number[] = [];
  let merged = false;
  let discarded = false;
  let comments = 0;
  const moves = 8 + Math.floor(rnd() * 30);

  const turn = (persona: 'coder' | 'sheriff', finish: boolean): void => {
    emit({ type: 'turn.started', attempt, persona, estimatedPromptTokens: 10 + Math.floor(rnd() * 90), trimmed: [] });
    // Held for memory (logged after turn.started, as the scheduler does), mostly admitted before its tokens.
    if (rnd() < 0.1) {
      emit({ type: 'turn.queued', position: 0, running: 1, waiting: 1, reason: 'memory', message: 'free 1.0 GB' });
      if (rnd() < 0.8) emit({ type: 'turn.admitted', waitedMs: Math.floor(rnd() * 5000) });
    }
    for (let i = Math.floor(rnd() * 3); i > 0; i--) emit({ type: 'token.delta', attempt, persona, text: pick(['a', 'bc ', '\n']) });
    if (rnd() < 0.1) emit({ type: 'turn.retry', attempt, persona, reason: 'stream dropped' });
    if (!finish) return;
    const usage = rnd() < 0.8 ? { promptTokens: Math.floor(rnd() * 200), completionTokens: Math.floor(rnd() * 50) } : null;
    emit({
      type: 'turn.finished',
      attempt,
      persona,
      content: pick(['main.py\n```\nprint(1)\n```', 'VERDICT: PASS', 'same']),
      usage,
      durationMs: 5,
    });
  };

  const oneAttempt = (): 'done' | 'killed' => {
    attempt += 1;
    emit({ type: 'attempt.started', attempt });
    if (rnd() < 0.15) emit({ type: 'turn.queued', position: 1, running: 1, waiting: 1 });
    if (rnd() < 0.08) {
      turn('coder', false);
      return 'killed';
    }
    turn('coder', true);
    if (rnd() < 0.15) {
      emit({ type: 'edit.rejected', attempt, reasons: ['no edit'], correction: 'write a file' });
      return 'done';
    }
    for (let n = 1 + Math.floor(rnd() * 2); n > 0; n--) {
      step += 1;
      head = `c${step}`;
      shas.set(step, head);
      line = [...line, step];
      emit({ type: 'commit', attempt, step, sha: head, files: [pick(['main.py', 'util.py', 'README.md'])] });
    }
    if (rnd() < 0.08) return 'killed';
    emit({ type: 'exec.started', attempt, command: 'python3 main.py', sandbox: 'bwrap', pgid: 77 });
    emit({ type: 'exec.output', attempt, stream: 'stderr', chunk: 'Traceback\n' });
    const passed = rnd() < 0.4;
    emit({
      type: 'exec.finished',
      attempt,
      exitCode: passed ? 0 : 1,
      signal: null,
      timedOut: false,
      durationMs: 12,
      output: passed ? '42\n' : 'Traceback\nZeroDivisionError: division by zero\n',
      totalBytes: 20,
      truncated: false,
    });
    turn('sheriff', true);
    emit({ type: 'verdict', attempt, verdict: passed ? 'PASS' : 'FAIL', passed, feedback: passed ? '' : 'Fix the division.' });
    return passed ? 'done' : 'done';
  };

  for (let m = 0; m < moves && !discarded; m++) {
    if (running) {
      const outcome = oneAttempt();
      if (outcome === 'killed') {
        // The process died: nothing more from it. A later process records it and resumes.
        running = false;
        emit({ type: 'session.interrupted', reason: 'The process is gone.', pid: PID, lastAttempt: attempt, lastStep: step });
        if (rnd() < 0.7) {
          emit({
            type: 'session.resumed',
            pid: PID,
            fromAttempt: attempt,
            fromStep: step,
            worktreeRestored: rnd() < 0.3,
            droppedRef: null,
          });
          attempt -= 1; // the cut-off attempt is done again
          running = true;
        }
        continue;
      }
      const last = events.findLast((e) => e.type === 'verdict');
      const passedNow = last?.type === 'verdict' && last.attempt === attempt && last.passed;
      if (passedNow || attempt >= 4 || rnd() < 0.15) {
        const status = passedNow ? 'passed' : attempt >= 4 ? 'failed' : pick(['cancelled', 'error', 'stagnated'] as const);
        emit({
          type: 'session.finished',
          status,
          reason: status,
          attempts: attempt,
          tokens: { prompt: 100 * attempt, completion: 10 * attempt },
          headCommit: head,
        });
        running = false;
      }
      continue;
    }
    const move = pick(['reply', 'rollback', 'merge', 'update', 'comment', 'revert', 'viewed', 'cleanup', 'discard', 'relocate'] as const);
    switch (move) {
      case 'reply': {
        series += 1;
        attempt = 0;
        const ids = Array.from({ length: comments }, (_, i) => `k${i + 1}`).filter(() => rnd() < 0.5);
        emit({
          type: 'series.started',
          series,
          instruction: `Round ${series}`,
          fromStep: line.at(-1) ?? 0,
          pid: PID,
          worktreeRestored: false,
          droppedRef: null,
          ...(ids.length > 0 ? { comments: ids } : {}),
        });
        if (rnd() < 0.5) emit({ type: 'plan.server', url: pick([null, 'http://127.0.0.1:9/v1']), model: null });
        running = true;
        break;
      }
      case 'rollback': {
        const to = Math.floor(rnd() * (step + 1));
        const toCommit = to === 0 ? base : (shas.get(to) ?? base);
        emit({ type: 'rollback', toStep: to, toCommit, fromCommit: head, archiveRef: `refs/factory/${id}/rollback/${m}`, wipRef: null });
        // The branch at step `to` holds the steps up to it as they were made (a later one may branch off).
        const at = line.indexOf(to);
        line = to === 0 ? [] : at >= 0 ? line.slice(0, at + 1) : [...line.filter((n) => n < to), to];
        head = toCommit;
        break;
      }
      case 'merge':
        emit({
          type: 'merge',
          target: 'main',
          targetBefore: base,
          targetAfter: `m${m}`,
          sessionHead: head,
          base,
          squash: rnd() < 0.7,
          files: ['main.py'],
          checkout: null,
          worktreeRemoved: rnd() < 0.2,
        });
        merged = true;
        break;
      case 'update': {
        const toBase = `b${m}`;
        emit({ type: 'base.updated', branch: 'main', fromBase: base, toBase, mergeCommit: `u${m}`, files: ['other.py'] });
        base = toBase;
        head = `u${m}`;
        break;
      }
      case 'comment':
        comments += 1;
        emit({
          type: 'review.comment',
          commentId: `k${comments}`,
          file: 'main.py',
          startLine: 1,
          endLine: 1,
          quote: 'print(1)',
          text: 'Print 42',
          headCommit: head,
        });
        break;
      case 'revert': {
        // A reviewer's revert (#21): a step on the branch outside any attempt.
        step += 1;
        head = `c${step}`;
        shas.set(step, head);
        line = [...line, step];
        const file = pick(['main.py', 'util.py']);
        const hunk = rnd() < 0.5 ? null : { oldStart: 2, oldLines: 1, newStart: 2, newLines: 1 };
        emit({ type: 'review.reverted', step, sha: head, files: [file], file, hunk, label: `Reverted ${file}` });
        break;
      }
      case 'viewed':
        emit({ type: 'review.viewed', file: pick(['main.py', 'util.py']), blob: rnd() < 0.7 ? `blob${m}` : null });
        break;
      case 'cleanup':
      case 'discard':
        if (move === 'cleanup' && !merged) break;
        emit({
          type: 'discard',
          archiveRef: `refs/factory/${id}/archive`,
          headCommit: head,
          wipRef: null,
          worktreeRemoved: true,
          branchDeleted: true,
        });
        discarded = true;
        break;
      case 'relocate':
        emit({ type: 'session.relocated', from: '/repo', to: '/repo2' });
        break;
    }
  }
  return events;
}

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
});

const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i * 7919);

describe('the projection of a session log', () => {
  it.each(SEEDS)('seed %i: whole = incremental (store) = rebuilt after a restart = the renderer’s', async (seed) => {
    const events = randomLog(seed);
    const whole = projectAll(events);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-projection-'));
    homes.push(home);
    const paths = appPaths(home);
    const files = sessionFiles(paths.sessions, 's1');
    fs.mkdirSync(files.dir, { recursive: true });
    fs.writeFileSync(files.log, '');

    // Incremental: the store reads the log as it grows, in random chunks (and lists it in between).
    vi.resetModules();
    const store = await import('../../src/sessions/session-store.js');
    const rnd = random(seed ^ 0x5eed);
    const alive = (pid: number): boolean => pid === PID;
    for (let at = 0; at < events.length;) {
      const n = 1 + Math.floor(rnd() * 6);
      fs.appendFileSync(
        files.log,
        events
          .slice(at, at + n)
          .map((e) => `${JSON.stringify(e)}\n`)
          .join(''),
      );
      at += n;
      if (rnd() < 0.5) store.loadAllSessions(paths, alive);
      else store.loadSession(paths, 's1', alive);
    }
    const { logFile: _l, partialTail: _p, ...incremental } = store.loadSession(paths, 's1', alive);
    expect(incremental).toEqual(whole);
    expect(store.loadAllSessions(paths, alive).sessions).toEqual([sessionRow(whole)]);

    // A restart: a fresh store lists from meta.json (the row, for a settled session) and rebuilds from the log.
    vi.resetModules();
    const fresh = await import('../../src/sessions/session-store.js');
    expect(fresh.loadAllSessions(paths, alive).sessions).toEqual([sessionRow(whole)]);
    const { logFile: _l2, partialTail: _p2, ...rebuilt } = fresh.loadSession(paths, 's1', alive);
    expect(rebuilt).toEqual(whole);

    // The renderer: the same events in frame-sized batches.
    let transcript = emptyTranscript('s1');
    for (let at = 0; at < events.length;) {
      const n = 1 + Math.floor(rnd() * 20);
      transcript = applyEvents(transcript, events.slice(at, at + n));
      at += n;
    }
    expect(transcript.projection).toEqual(whole);
  });

  it('covers every kind of move across the seeds', () => {
    const seen = new Set(SEEDS.flatMap((seed) => randomLog(seed).map((e) => e.type)));
    for (const type of [
      'session.interrupted',
      'session.resumed',
      'series.started',
      'rollback',
      'merge',
      'base.updated',
      'discard',
      'review.comment',
      'review.reverted',
      'review.viewed',
      'verdict',
      'session.finished',
    ] as const)
      expect(seen, type).toContain(type);
    const states = new Set(SEEDS.map((seed) => projectAll(randomLog(seed)).state));
    for (const state of ['passed', 'merged', 'discarded', 'running'] as const) expect(states, state).toContain(state);
  });
});
