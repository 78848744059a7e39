/**
 * `npm run bench -- cli [--loaded]`: the compiled CLI's start and end, as a user's shell sees them
 * (spawn to exit), against a bare `node -e ""` measured in the same run, interleaved:
 *   - `mlx-factory --help`                                   ≤ 1.5× node -e ""
 *   - `mlx-factory sessions list`, empty home                 ≤ 2.5×
 *   - `mlx-factory sessions list`, 100 sessions               ≤ 4×
 *   - `mlx-factory sessions list`, 1,000 sessions             (reported)
 *   - from the last line printed to the process's exit, for `sessions list` and for a whole `run`
 *     against the scripted model server                      ≤ 100 ms
 * The sessions are clones of one real session (made by `run` against the scripted server), cached
 * under .cache/bench/. With --loaded, another process keeps one core busy throughout.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedServer, type ScriptedServer } from '../tests/support/scripted-server/launch.js';
import { buildCliIfStale } from '../scripts/build-cli.mjs';
import { loadRequested, startCpuLoad } from './_cpu-load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'mlx-factory.js');
const FIXTURE = path.join(ROOT, '.cache', 'bench', 'cli-sessions-v3');
const ROUNDS = 21;
const BIG_ROUNDS = 7;
const EXIT_BUDGET_MS = 100;
const IDENTITY = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

interface Timed {
  /** Spawn to exit. */
  readonly totalMs: number;
  /** Last stdout bytes to exit: what the process spends after its work is done. */
  readonly lingerMs: number;
  readonly status: number | null;
  readonly stderr: string;
}

function timed(args: readonly string[], options: { cwd?: string; home?: string } = {}): Promise<Timed> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...(options.home !== undefined ? { MLX_FACTORY_HOME: options.home } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastOutput = started;
    let stderr = '';
    child.stdout.on('data', () => (lastOutput = performance.now()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const ended = performance.now();
      resolve({ totalMs: ended - started, lingerMs: ended - lastOutput, status, stderr });
    });
  });
}

export async function run(): Promise<void> {
  const loaded = loadRequested();
  if (await buildCliIfStale({ quiet: true })) out('(built the CLI bundle first: a source was newer than out/cli/)');
  const server = await startScriptedServer();
  const load = loaded ? startCpuLoad() : null;
  try {
    const fixture = await ensureFixture(server);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-bench-cli-'));
    try {
      await runBench(server, fixture, empty, loaded);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  } finally {
    await load?.stop();
    await server.stop();
  }
}

async function runBench(server: ScriptedServer, fixture: Fixture, emptyHome: string, loaded: boolean): Promise<void> {
  const jobs = {
    node: () => timed(['-e', '']),
    help: () => timed([BIN, '--help']),
    listEmpty: () => timed([BIN, 'sessions', 'list'], { home: emptyHome }),
    list100: () => timed([BIN, 'sessions', 'list'], { home: fixture.homes[100] }),
  };
  const results = await interleaved(ROUNDS, jobs);
  const big = await interleaved(BIG_ROUNDS, {
    node: jobs.node,
    list1000: () => timed([BIN, 'sessions', 'list'], { home: fixture.homes[1000] }),
  });
  const runs: Timed[] = [];
  for (let i = 0; i < 5; i += 1) {
    await server.setScript(PASSING_SCRIPT);
    runs.push(await timed([BIN, 'run', 'Print hello', '--server-url', server.url, '--json'], { cwd: fixture.repo, home: fixture.runHome }));
  }
  for (const r of [...Object.values(results).flat(), ...Object.values(big).flat(), ...runs]) {
    if (r.status !== 0) throw new Error(`a command failed (exit ${String(r.status)}): ${r.stderr.slice(0, 500)}`);
  }

  const node = median(results.node.map((r) => r.totalMs));
  const node2 = median(big.node.map((r) => r.totalMs));
  out(
    `machine: ${os.cpus().length} CPUs, ${loaded ? 'one core kept busy by another process' : 'no added load'}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  out(`baseline: node -e ""  ${ms(node)} (median of ${ROUNDS}, interleaved with each command below)\n`);
  out(ratio('mlx-factory --help', median(results.help.map((r) => r.totalMs)), node, 1.5));
  out(ratio('mlx-factory sessions list (empty home)', median(results.listEmpty.map((r) => r.totalMs)), node, 2.5));
  out(ratio('mlx-factory sessions list (100 sessions)', median(results.list100.map((r) => r.totalMs)), node, 4));
  out(ratio(`mlx-factory sessions list (1,000 sessions; ${BIG_ROUNDS} runs)`, median(big.list1000.map((r) => r.totalMs)), node2, null));
  out('\nfrom the last line printed to the exit:');
  out(linger('sessions list (100 sessions)', results.list100));
  out(linger(`run against the scripted server (${runs.length} runs, ${ms(median(runs.map((r) => r.totalMs)))} each)`, runs));
}

// ---------------------------------------------------------------------------------------------
// The fixture: one real session, cloned into homes of 100 and 1,000 sessions.

interface Fixture {
  readonly repo: string;
  /** A home for the `run` measurements (sessions pile up there; not measured by list). */
  readonly runHome: string;
  readonly homes: { readonly 100: string; readonly 1000: string };
}

const CODER_REPLY = `I will write the program.\n\nmain.py\n\`\`\`python\n${Array.from({ length: 30 }, (_, i) => `print('line ${i + 1}: hello from the bench session')`).join('\n')}\n\`\`\`\n`;
const PASSING_SCRIPT = { coder: [{ content: CODER_REPLY }], sheriff: [{ content: 'The output has every line.\nVERDICT: PASS' }] };

async function ensureFixture(server: ScriptedServer): Promise<Fixture> {
  const fixture: Fixture = {
    repo: path.join(FIXTURE, 'repo'),
    runHome: path.join(os.tmpdir(), `mlxf-bench-cli-run-${process.pid}`),
    homes: { 100: path.join(FIXTURE, 'home-100'), 1000: path.join(FIXTURE, 'home-1000') },
  };
  const marker = path.join(FIXTURE, 'ready');
  if (fs.existsSync(marker)) return fixture;
  fs.rmSync(FIXTURE, { recursive: true, force: true });
  fs.mkdirSync(fixture.repo, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: fixture.repo });
  fs.writeFileSync(path.join(fixture.repo, 'README.md'), '# bench\n');
  execFileSync('git', ['add', '-A'], { cwd: fixture.repo });
  execFileSync('git', ['commit', '-qm', 'init'], { cwd: fixture.repo, env: { ...process.env, ...IDENTITY } });
  const sourceHome = path.join(FIXTURE, 'source-home');
  await server.setScript(PASSING_SCRIPT);
  const made = await timed([BIN, 'run', 'Print hello', '--server-url', server.url, '--json'], { cwd: fixture.repo, home: sourceHome });
  if (made.status !== 0) throw new Error(`could not make the source session: ${made.stderr}`);
  const [sourceId] = fs.readdirSync(path.join(sourceHome, 'sessions'));
  if (sourceId === undefined) throw new Error('the source run left no session');
  const sourceDir = path.join(sourceHome, 'sessions', sourceId);
  const files = fs.readdirSync(sourceDir).map((name) => ({ name, text: fs.readFileSync(path.join(sourceDir, name), 'utf8') }));
  for (const [count, home] of Object.entries(fixture.homes)) {
    for (let i = 0; i < Number(count); i += 1) {
      const id = `2601010000-${i.toString(16).padStart(6, '0')}`;
      const dir = path.join(home, 'sessions', id);
      fs.mkdirSync(dir, { recursive: true });
      for (const file of files) fs.writeFileSync(path.join(dir, file.name), file.text.replaceAll(sourceId, id));
    }
  }
  const logBytes = fs.statSync(path.join(sourceDir, 'events.jsonl')).size;
  out(`(made the fixture: one real session, ${(logBytes / 1024).toFixed(0)} KiB of log, cloned into ${FIXTURE})`);
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  return fixture;
}

// ---------------------------------------------------------------------------------------------

/** Each job once per round, rounds repeated: load on a shared machine hits all alike. */
async function interleaved<K extends string>(rounds: number, jobs: Record<K, () => Promise<Timed>>): Promise<Record<K, Timed[]>> {
  const keys = Object.keys(jobs) as K[];
  for (const key of keys) await jobs[key](); // warm the OS's file cache
  const results = Object.fromEntries(keys.map((k) => [k, [] as Timed[]])) as unknown as Record<K, Timed[]>;
  for (let i = 0; i < rounds; i += 1) for (const key of keys) results[key].push(await jobs[key]());
  return results;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function ratio(label: string, ours: number, baseline: number, target: number | null): string {
  const r = ours / baseline;
  const verdict = target === null ? '(reported)' : r <= target ? `target ≤ ${target}× → OK` : `target ≤ ${target}× → OVER`;
  return `  ${label.padEnd(52)} ${ms(ours).padStart(7)} vs node -e "" ${ms(baseline)}  → ${r.toFixed(2)}×  ${verdict}`;
}

function linger(label: string, runs: readonly Timed[]): string {
  const values = runs.map((r) => r.lingerMs);
  const worst = Math.max(...values);
  return `  ${label.padEnd(64)} median ${ms(median(values))}, worst ${ms(worst)}  target ≤ ${EXIT_BUDGET_MS} ms → ${worst <= EXIT_BUDGET_MS ? 'OK' : 'OVER'}`;
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}
