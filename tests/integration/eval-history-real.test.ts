// `mlx-factory eval --from-history` on a REAL repository's history with the REAL mlx_lm.server and
// the tiny model, started by the CLI itself from factory.yaml: the tasks, their verification in the
// sandbox and the table are real; the model is noise (it passes nothing, and that is fine).
// The repository: MLXF_EVAL_REAL_REPO (a git folder, cloned here; e.g. pallets/click, whose pytest
// suite is the default check — MLXF_EVAL_REAL_CHECK changes it). It takes about 3.5 minutes on a
// loaded 2-core box (each verification runs the whole suite in the sandbox), too long for `npm test`'s
// 5-minute budget, so it runs only when that variable is set; otherwise it is skipped and says why.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatHistoryEval, historyEvalReportSchema } from '../../src/api/history-eval.js';
import { git, makeTempDir, removeTempDirs } from '../support/git-fixtures.js';
import { freePort } from '../support/free-port.js';
import { runCli } from '../support/run-cli.js';
import { mlxServerEnv, testDeps } from '../support/test-deps.js';

const SOURCE = process.env['MLXF_EVAL_REAL_REPO'] ?? '';
const CHECK = process.env['MLXF_EVAL_REAL_CHECK'] ?? 'PYTHONPATH=src python3 -m pytest -q -x -p no:cacheprovider tests';
const available = SOURCE !== '' && fs.existsSync(SOURCE);

afterAll(removeTempDirs);

describe.skipIf(!available)(`eval --from-history on a real repository (${SOURCE || 'set MLXF_EVAL_REAL_REPO to run it'})`, () => {
  it('verifies real commits in the sandbox and runs the tiny model on the real mlx_lm.server: a real table', async () => {
    const deps = testDeps();
    const repo = path.join(makeTempDir('mlxf-real-eval-'), 'repo');
    git(path.dirname(repo), 'clone', '--quiet', SOURCE, repo);
    const home = makeTempDir('mlxf-home-');
    const port = await freePort();
    fs.writeFileSync(
      path.join(home, 'factory.yaml'),
      [
        'server:',
        `  model: ${JSON.stringify(deps.model)}`,
        `  python: ${JSON.stringify(deps.python)}`,
        `  port: ${port}`,
        'agent:',
        '  max_attempts: 1',
        '  max_tokens_per_turn: 64',
        // The tiny model's vocabulary is characters: keep its prompts small so a turn stays short on CPU.
        '  max_prompt_tokens: 500',
        '  llm_timeout: 300',
        '  execution_timeout: 90',
        '',
      ].join('\n'),
    );
    const env = Object.fromEntries(Object.entries(mlxServerEnv()).filter((e): e is [string, string] => e[1] !== undefined));
    const run = await runCli(['eval', '--from-history', '2', '--repo', repo, '--check', CHECK, '--json'], { cwd: repo, home, env });
    console.log(`[eval-history-real] stderr:\n${run.stderr}`);
    expect([0, 1], run.stderr).toContain(run.exitCode);
    const report = historyEvalReportSchema.parse(JSON.parse(run.stdout));
    // Two commits that change code and tests were picked; each is a task or skipped with its reason.
    expect(report.tasks.length + report.skipped.length).toBe(2);
    for (const s of report.skipped) expect(s.reason).not.toBe('');
    for (const t of report.tasks) {
      expect(t.model).toBe(deps.model);
      expect(t.tokens.prompt).toBeGreaterThan(0);
      expect(t.attempts).toBeLessThanOrEqual(1);
    }
    expect(report.models).toEqual([expect.objectContaining({ model: deps.model, total: report.tasks.length })]);
    // The user's clone is untouched: its HEAD is where it was and its tree clean.
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const table = formatHistoryEval(report);
    expect(table).toMatch(/^TASK +COMMIT +MODEL +PASSED/);
    console.log(`[eval-history-real] the table:\n${table}`);
  }, 900_000);
});
