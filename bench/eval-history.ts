/**
 * `mlx-factory eval --from-history` on a REAL repository's history with the REAL mlx_lm.server and
 * the tiny model, started by the CLI itself from factory.yaml (#16 part 4): the tasks, their
 * verification in the sandbox (base fails, commit passes) and the table are real; the model is noise.
 * `npm run bench -- eval-history --eval-repo DIR [--eval-check "CMD"]` (DIR: a git folder, cloned
 * here; e.g. a clone of pallets/click, whose pytest suite is the default check). It takes minutes —
 * each verification runs the project's whole suite in the sandbox — so it is a bench, not a test.
 * Prints the table, the wall time per task, and whether the user's clone stayed untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatHistoryEval, historyEvalReportSchema } from '../src/api/history-eval.js';
import { git, makeTempDir, removeTempDirs } from '../tests/support/git-fixtures.js';
import { freePort } from '../tests/support/free-port.js';
import { runCli } from '../tests/support/run-cli.js';
import { mlxServerEnv, testDeps } from '../tests/support/test-deps.js';

const DEFAULT_CHECK = 'PYTHONPATH=src python3 -m pytest -q -x -p no:cacheprovider tests';
const TASKS = 2;

function option(name: string): string | undefined {
  const args = process.argv;
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

export async function run(): Promise<void> {
  const source = option('--eval-repo') ?? process.env['MLXF_EVAL_REAL_REPO'];
  if (source === undefined || !fs.existsSync(path.join(source, '.git'))) {
    process.stdout.write('eval-history: not measured — give a git folder: `npm run bench -- eval-history --eval-repo DIR`\n');
    return;
  }
  let deps;
  try {
    deps = testDeps();
  } catch (error) {
    process.stdout.write(`eval-history: not measured — ${(error as Error).message}\n`);
    return;
  }
  const check = option('--eval-check') ?? DEFAULT_CHECK;
  try {
    const repo = path.join(makeTempDir('mlxf-real-eval-'), 'repo');
    git(path.dirname(repo), 'clone', '--quiet', source, repo);
    const headBefore = git(repo, 'rev-parse', 'HEAD').trim();
    const home = makeTempDir('mlxf-home-');
    fs.writeFileSync(
      path.join(home, 'factory.yaml'),
      [
        'server:',
        `  model: ${JSON.stringify(deps.model)}`,
        `  python: ${JSON.stringify(deps.python)}`,
        `  port: ${await freePort()}`,
        'agent:',
        '  max_attempts: 1',
        '  max_tokens_per_turn: 64',
        // The tiny model's vocabulary is characters: small prompts keep a turn short on CPU.
        '  max_prompt_tokens: 500',
        '  llm_timeout: 300',
        '  execution_timeout: 90',
        '',
      ].join('\n'),
    );
    const env = Object.fromEntries(Object.entries(mlxServerEnv()).filter((e): e is [string, string] => e[1] !== undefined));
    const started = performance.now();
    const result = await runCli(['eval', '--from-history', String(TASKS), '--repo', repo, '--check', check, '--json'], {
      cwd: repo,
      home,
      env,
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      process.stdout.write(`eval-history: the eval failed (exit ${result.exitCode}):\n${result.stderr}\n`);
      return;
    }
    const report = historyEvalReportSchema.parse(JSON.parse(result.stdout));
    const untouched = git(repo, 'rev-parse', 'HEAD').trim() === headBefore && git(repo, 'status', '--porcelain') === '';
    process.stdout.write(`${formatHistoryEval(report)}\n`);
    process.stdout.write(
      `eval-history: ${report.tasks.length} task(s) verified, ${report.skipped.length} skipped (of ${TASKS} picked) in ${seconds.toFixed(1)} s` +
        ` (${(seconds / Math.max(1, report.tasks.length + report.skipped.length)).toFixed(1)} s per commit); the clone ${untouched ? 'is untouched' : 'CHANGED'}\n`,
    );
  } finally {
    removeTempDirs();
  }
}
