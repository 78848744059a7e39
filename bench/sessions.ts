/**
 * `npm run bench -- sessions`: listing 1,000 sessions of 200 events each through the session store's
 * fold, against reading those log files once (no parsing), measured in this run. The first listing
 * parses everything (printed for the record); later ones read only appended bytes, so their target
 * (≤ 1.5× reading the files once) holds however often a host lists, and they do not grow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { appPaths } from '../src/home/app-home.js';
import { loadAllSessions } from '../src/sessions/session-store.js';

const SESSIONS = 1000;
const EVENTS = 200;

function writeLogs(sessionsDir: string): string[] {
  const files: string[] = [];
  for (let n = 0; n < SESSIONS; n++) {
    const id = `2601010000-${n.toString(16).padStart(6, '0')}`;
    const dir = path.join(sessionsDir, id);
    fs.mkdirSync(dir, { recursive: true });
    let seq = 0;
    const time = new Date(Date.UTC(2026, 0, 1, 0, 0, n % 60)).toISOString();
    const line = (event: Record<string, unknown>): string => JSON.stringify({ session: id, seq: ++seq, time, ...event });
    const lines = [
      line({
        type: 'session.created',
        task: { name: `Task ${n}`, description: 'Print the answer', constraints: [], check: 'python3 main.py', files: [] },
        repo: '/repo',
        worktree: `/wt/${id}`,
        branch: `factory/task-${id}`,
        baseCommit: 'a'.repeat(40),
        baseBranch: 'main',
        uncommittedNotIncluded: [],
        limits: { maxAttempts: 5, executionTimeout: 60, llmTimeout: 120, totalTokenBudget: 100000, maxPromptTokens: 6000 },
      }),
      line({ type: 'attempt.started', attempt: 1 }),
      line({ type: 'turn.started', attempt: 1, persona: 'coder', estimatedPromptTokens: 900, trimmed: [] }),
    ];
    while (lines.length < EVENTS - 2) lines.push(line({ type: 'token.delta', attempt: 1, persona: 'coder', text: 'print(42) ' }));
    lines.push(
      line({
        type: 'turn.finished',
        attempt: 1,
        persona: 'coder',
        content: 'print(42)',
        usage: { promptTokens: 900, completionTokens: 190 },
        durationMs: 1000,
      }),
    );
    lines.push(
      line({
        type: 'session.finished',
        status: 'failed',
        reason: 'No attempt passed.',
        attempts: 1,
        tokens: { prompt: 900, completion: 190 },
        headCommit: 'a'.repeat(40),
      }),
    );
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    files.push(file);
  }
  return files;
}

function time(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

export async function run(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-bench-sessions-'));
  try {
    const paths = appPaths(home);
    const files = writeLogs(paths.sessions);
    const bytes = files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
    const readOnce = Math.min(...[0, 1, 2].map(() => time(() => files.forEach((f) => fs.readFileSync(f)))));
    let listed = 0;
    const first = time(() => (listed = loadAllSessions(paths).sessions.length));
    const repeats = [0, 1, 2, 3, 4].map(() => time(() => loadAllSessions(paths)));
    const repeat = repeats.sort((a, b) => a - b)[2] ?? 0;
    // One new event in every log: a repeat reads just those lines.
    files.forEach((f, n) =>
      fs.appendFileSync(
        f,
        `${JSON.stringify({ session: path.basename(path.dirname(f)), seq: EVENTS + 1, time: new Date().toISOString(), type: 'session.warning', message: `note ${n}` })}\n`,
      ),
    );
    const afterAppend = time(() => loadAllSessions(paths));
    const row = (label: string, ms: number, target: string): void => {
      process.stdout.write(
        `${label.padEnd(46)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / readOnce).toFixed(2).padStart(6)}× read-once  ${target}\n`,
      );
    };
    process.stdout.write(`${listed} sessions × ${EVENTS} events, ${(bytes / 1024 / 1024).toFixed(1)} MB of logs\n`);
    row('baseline: read every log file once', readOnce, '');
    row('sessions list, first (parse + fold everything)', first, '(for the record)');
    row('sessions list, repeated (median of 5)', repeat, `target ≤ 1.5× — ${repeat <= 1.5 * readOnce ? 'met' : 'NOT met'}`);
    row(
      'sessions list after one event appended to each',
      afterAppend,
      `target ≤ 1.5× — ${afterAppend <= 1.5 * readOnce ? 'met' : 'NOT met'}`,
    );
    process.stdout.write(`repeated listings do not grow: ${repeats.map((r) => r.toFixed(1)).join(', ')} ms\n`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
