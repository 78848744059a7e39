// `mlx-factory eval`: the seed's three scenarios run against the scripted server playing a Coder
// that writes known solutions (tests/fixtures/eval) and a Sheriff; the checks in examples/ run for
// real. The table and the JSON report are real; the numbers are the scripted server's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { REPO_ROOT } from '../support/test-deps.js';

const fixture = (name: string): string => fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'eval', name), 'utf8');
const reply = (body: string): { content: string; tokensPerSecond: number } => ({
  content: `main.py\n\`\`\`python\n${body}\`\`\`\n`,
  tokensPerSecond: 2000,
});
const PASS = { content: 'The output matches the task.\n\nVERDICT: PASS' };

let server: ScriptedServer;
let tmp: string;
beforeAll(async () => {
  server = await startScriptedServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-cli-'));
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('mlx-factory eval', () => {
  it('runs examples/ by default and prints the seed’s table', async () => {
    await server.setScript({
      coder: [reply(fixture('calendar_solution.py')), reply(fixture('csv_solution.py')), reply(fixture('mlp_solution.py'))],
      sheriff: [PASS, PASS, PASS],
    });
    const result = await runCli(['eval', '--server-url', server.url], { cwd: tmp, home: path.join(tmp, 'home') });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^TASK +PASSED +ATTEMPTS +WALL TIME +TOKENS +TOKENS\/S$/);
    expect(lines[2]).toMatch(/^calendar-march-2026 +yes +1 +\d+\.\d s +\d+ +\d+\.\d$/);
    expect(lines[3]).toMatch(/^csv-sales-report +yes +1 +\d+\.\d s +\d+ +\d+\.\d$/);
    // The MLP check needs numpy in the check's Python: it passes where numpy is installed.
    expect(lines[4]).toMatch(/^mlp-from-scratch +(yes +1|no \((failed|stagnated)\) +[1-5]) +/);
    expect(lines[6]).toMatch(/^[23]\/3 passed +\d+\.\d s +\d+$/);
    expect(result.stdout).toContain(`Model: mlx-community/Qwen2.5-Coder-7B-Instruct-4bit (${server.url})`);
    expect(result.stderr).toMatch(/^\[1\/3\] calendar-march-2026…$/m);
  }, 120_000);

  it('--json reports every task; a failing task makes the exit code 1', async () => {
    const broken = path.join(tmp, 'broken.yaml');
    fs.writeFileSync(broken, 'name: always-wrong\ndescription: Print 42.\ncheck: test "$(python3 main.py)" = 42\nmax_attempts: 1\n');
    await server.setScript({
      coder: [reply(fixture('calendar_solution.py')), reply('print(41)\n')],
      sheriff: [PASS, { content: 'Prints 41.\n\nVERDICT: FAIL' }],
    });
    const result = await runCli(['eval', path.join(REPO_ROOT, 'examples', 'calendar.yaml'), broken, '--server-url', server.url, '--json'], {
      cwd: tmp,
      home: path.join(tmp, 'home'),
    });
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as { type: string; passed: number; total: number; tasks: Array<Record<string, unknown>> };
    expect(report).toMatchObject({ type: 'eval', passed: 1, total: 2, server: server.url });
    expect(report.tasks).toEqual([
      expect.objectContaining({ task: 'calendar-march-2026', passed: true, state: 'passed', status: 'passed', attempts: 1 }),
      expect.objectContaining({ task: 'always-wrong', passed: false, state: 'failed', status: 'failed', attempts: 1, file: broken }),
    ]);
    for (const row of report.tasks) {
      expect(row['wallSeconds']).toBeGreaterThan(0);
      expect((row['tokens'] as { completion: number }).completion).toBeGreaterThan(0);
      expect(row['tokensPerSecond']).toBeGreaterThan(0);
    }
  }, 120_000);

  it('a folder without task files is bad input (exit 2)', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const result = await runCli(['eval', empty], { cwd: tmp, home: path.join(tmp, 'home') });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/no task files \(\*\.yaml\) in this folder/);
  });
});
