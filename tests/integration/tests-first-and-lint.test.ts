import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer, type Script } from '../support/scripted-server/launch.js';
import { jsonLines, runCli, summaryOf } from '../support/run-cli.js';

/**
 * #16 parts 2 and 3 end to end: the real CLI as a child process, the scripted server playing Coder and
 * Sheriff, real git repositories, and the check, the tests' base run and the lint tools in the real sandbox.
 */
let server: ScriptedServer;
let tmp: string;

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function setup(files: Record<string, string>): { repo: string; home: string } {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf tests-first '));
  const repo = path.join(tmp, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  for (const [rel, content] of Object.entries({ 'README.md': '# demo\n', ...files })) fs.writeFileSync(path.join(repo, rel), content);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  return { repo, home: path.join(tmp, 'home') };
}

const file = (name: string, body: string, lang = 'python'): string => `${name}\n\`\`\`${lang}\n${body}\n\`\`\`\n`;
const PASS = { content: 'The tests pass and the change does the task.\nVERDICT: PASS' };
const FAIL = { content: 'Not right.\nVERDICT: FAIL' };

const CALC = { 'calc.py': 'def add(a, b):\n    return a - b\n' };
const CHECK = 'python3 test_calc.py';
// Passes on the base (2 - 0 == 2): proves nothing about the task.
const TEST_PASSES_ON_BASE = file('test_calc.py', "from calc import add\nassert add(2, 0) == 2\nprint('ok')");
// Fails on the base (2 - 3 != 5), passes once add adds.
const TEST_FAILS_ON_BASE = file('test_calc.py', "from calc import add\nassert add(2, 3) == 5, f'add(2, 3) = {add(2, 3)}'\nprint('ok')");
const FIX = file('calc.py', 'def add(a, b):\n    return a + b');

async function run(script: Script, repo: string, home: string, extra: string[]) {
  await server.setScript(script);
  await server.clearRequests();
  return runCli(['run', 'Make add() add its arguments', '--server-url', server.url, '--json', ...extra], { cwd: repo, home });
}

async function prompts(persona: 'coder' | 'sheriff'): Promise<string[]> {
  return (await server.requests()).filter((r) => r.persona === persona).map((r) => r.messages.map((m) => String(m.content)).join('\n'));
}

async function show(id: string, cwd: string, home: string): Promise<Record<string, unknown>> {
  const shown = await runCli(['sessions', 'show', id, '--json'], { cwd, home });
  expect(shown.exitCode).toBe(0);
  return JSON.parse(shown.stdout) as Record<string, unknown>;
}

describe('tests first (--tests-first)', () => {
  it('refuses a test that passes on the base and says why, keeps a failing one, and the fix makes it pass', async () => {
    const { repo, home } = setup(CALC);
    const result = await run(
      { coder: [{ content: TEST_PASSES_ON_BASE }, { content: TEST_FAILS_ON_BASE }, { content: FIX }], sheriff: [PASS] },
      repo,
      home,
      ['--check', CHECK, '--tests-first'],
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ status: 'passed', attempts: 1 });
    const events = jsonLines(result.stdout);
    const types = events.map((e) => e.type);

    // The passing test was refused (its base run exited 0), the failing one kept (exit 1), before any check of an attempt.
    const refused = events.find((e) => e.type === 'tests.refused');
    expect(refused).toMatchObject({ attempt: 1, files: ['test_calc.py'], exitCode: 0, command: CHECK });
    const kept = events.find((e) => e.type === 'tests.kept');
    expect(kept).toMatchObject({ attempt: 1, step: 1, files: ['test_calc.py'], exitCode: 1 });
    expect(String(kept?.['output'])).toContain('add(2, 3) = -1');
    expect(types.indexOf('tests.refused')).toBeLessThan(types.indexOf('tests.kept'));
    expect(types.indexOf('tests.kept')).toBeLessThan(types.indexOf('exec.started'));
    expect(types.filter((t) => t === 'attempt.started')).toHaveLength(1); // writing the tests spent no attempt
    // The only commits: the kept tests (step 1), then the fix (step 2). The refused test was never committed.
    expect(events.filter((e) => e.type === 'commit').map((e) => e['files'])).toEqual([['test_calc.py'], ['calc.py']]);
    expect(git(repo, 'log', '-p', String(summary.branch))).not.toContain('add(2, 0)');
    // The check of the attempt ran with the kept test in place and passed.
    expect(events.find((e) => e.type === 'exec.finished')).toMatchObject({ exitCode: 0 });
    expect(fs.readFileSync(path.join(String(summary.worktree), 'test_calc.py'), 'utf8')).toContain('add(2, 3) == 5');

    const coder = await prompts('coder');
    expect(coder).toHaveLength(3);
    expect(coder[0]).toContain('write acceptance tests for this task');
    // The Coder was told why its first test was refused.
    expect(coder[1]).toContain('it passes before any change, so it does not test the task');
    // The fix turn knows the kept test, sees it, and starts from its failure on the base.
    expect(coder[2]).toContain('These acceptance tests were written first and fail on the original code: test_calc.py');
    expect(coder[2]).toContain("assert add(2, 3) == 5, f'add(2, 3) = {add(2, 3)}'");
    expect(coder[2]).toContain('add(2, 3) = -1');
    // The Sheriff saw the failing run on the base and the passing run on the head, and no warning.
    const [sheriff] = await prompts('sheriff');
    expect(sheriff).toContain('Acceptance tests: the failing run on the base');
    expect(sheriff).toContain('the check with them exited with code 1');
    expect(sheriff).toContain('add(2, 3) = -1');
    expect(sheriff).toContain('The check exited with code 0.');
    expect(sheriff).not.toContain('the acceptance tests were changed');

    // The review: the kept tests are the session's first step, "tests".
    const shown = await show(String(summary.session), repo, home);
    expect(shown['tests']).toMatchObject({ files: ['test_calc.py'], step: 1, exitCode: 1, command: CHECK });
    expect(shown['testsRefused']).toBe(1);
    expect(shown['plan']).toMatchObject({ testsFirst: true });
    const steps = shown['commits'] as Array<Record<string, unknown>>;
    expect(steps.map((s) => [s['step'], s['tests'], s['testsChanged']])).toEqual([
      [1, true, []],
      [2, false, []],
    ]);
  });

  it('flags a later attempt that edits the kept test, to the Sheriff and in the review', async () => {
    const { repo, home } = setup(CALC);
    const weakened = file('test_calc.py', "from calc import add\nassert add(2, 3) in (5, 6)\nprint('ok')");
    const result = await run(
      {
        coder: [{ content: TEST_FAILS_ON_BASE }, { content: file('calc.py', 'def add(a, b):\n    return a * b') }, { content: weakened }],
        sheriff: [FAIL, FAIL],
      },
      repo,
      home,
      ['--check', CHECK, '--tests-first', '-n', '2'],
    );
    expect(result.exitCode).toBe(1);
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ status: 'failed', attempts: 2 });
    const checks = jsonLines(result.stdout).filter((e) => e.type === 'exec.finished');
    expect(checks.map((e) => e['exitCode'])).toEqual([1, 0]); // the weakened test passes on the wrong code…

    const sheriff = await prompts('sheriff');
    expect(sheriff).toHaveLength(2);
    expect(sheriff[0]).not.toContain('Warning: the acceptance tests were changed');
    // …and the Sheriff is told the kept test was changed in that attempt.
    expect(sheriff[1]).toContain('Warning: the acceptance tests were changed');
    expect(sheriff[1]).toContain('This attempt changed the kept acceptance test(s) test_calc.py');
    expect(sheriff[1]).toContain('+assert add(2, 3) in (5, 6)');

    const shown = await show(String(summary.session), repo, home);
    const steps = shown['commits'] as Array<Record<string, unknown>>;
    expect(steps.map((s) => [s['step'], s['attempt'], s['tests'], s['testsChanged']])).toEqual([
      [1, 1, true, []],
      [2, 1, false, []],
      [3, 2, false, ['test_calc.py']],
    ]);
  });

  it('refuses to start without a check command to run the tests with', async () => {
    const { repo, home } = setup(CALC);
    const result = await run({ coder: [{ content: TEST_FAILS_ON_BASE }], sheriff: [PASS] }, repo, home, ['--tests-first']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Tests first needs a check command');
    expect(fs.existsSync(path.join(home, 'sessions'))).toBe(false);
  });
});

describe('lint on every edit', () => {
  it('sends a syntax error back to the Coder without running the check or spending an attempt', async () => {
    const { repo, home } = setup({});
    const result = await run(
      { coder: [{ content: file('main.py', "x = 1\nprint('hello'") }, { content: file('main.py', "print('hello')") }], sheriff: [PASS] },
      repo,
      home,
      [],
    );
    expect(result.exitCode).toBe(0);
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ status: 'passed', attempts: 1 });
    const events = jsonLines(result.stdout);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'attempt.started')).toHaveLength(1);
    // One check only, after the second (clean) edit: the broken one never reached it.
    expect(types.filter((t) => t === 'exec.started')).toHaveLength(1);
    const commits = events.filter((e) => e.type === 'commit');
    expect(commits.map((e) => e['attempt'])).toEqual([1, 1]);
    const lints = events.filter((e) => e.type === 'lint.finished');
    expect(lints).toHaveLength(2);
    expect(lints[0]).toMatchObject({
      attempt: 1,
      files: ['main.py'],
      errors: [{ file: 'main.py', tool: 'python3 -m py_compile', line: 2 }],
    });
    expect(String(lints[0]?.['correction'])).toContain('main.py, line 2');
    expect(lints[1]).toMatchObject({ errors: [], correction: null });
    expect(types.indexOf('exec.started')).toBeGreaterThan(events.indexOf(lints[1] as never));
    expect(types.indexOf('exec.started')).toBeGreaterThan(events.indexOf(commits[1] as never));

    const coder = await prompts('coder');
    expect(coder).toHaveLength(2);
    // The Coder's next prompt quotes the error with its line.
    expect(coder[1]).toContain('Your edit has a syntax error, so the check was not run (this does not count as an attempt)');
    expect(coder[1]).toContain('main.py, line 2 (python3 -m py_compile)');
    expect(coder[1]).toMatch(/SyntaxError: '\(' was never closed/);

    const shown = await show(String(summary.session), repo, home);
    expect(shown['lint']).toEqual({ runs: 2, corrections: 1 });
    expect(shown['plan']).toMatchObject({ lintOnEdit: true });
  });

  it('after 3 lint corrections in an attempt, the attempt goes on to the check as usual', async () => {
    const { repo, home } = setup({});
    const broken = (n: number) => ({ content: file('main.py', `x = ${n}\nprint(x`) });
    const result = await run({ coder: [broken(1), broken(2), broken(3), broken(4)], sheriff: [FAIL] }, repo, home, ['-n', '1']);
    expect(result.exitCode).toBe(1);
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'failed', attempts: 1 });
    const events = jsonLines(result.stdout);
    const lints = events.filter((e) => e.type === 'lint.finished');
    expect(lints.map((e) => e['correction'] !== null)).toEqual([true, true, true, false]);
    expect(events.filter((e) => e.type === 'exec.started')).toHaveLength(1);
    expect(events.find((e) => e.type === 'exec.finished')).toMatchObject({ exitCode: 1 });
  });

  it('is off with agent.lint_on_edit: false', async () => {
    const { repo, home } = setup({});
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'factory.yaml'), 'agent:\n  lint_on_edit: false\n');
    const result = await run({ coder: [{ content: file('main.py', 'print(') }], sheriff: [FAIL] }, repo, home, ['-n', '1']);
    const events = jsonLines(result.stdout);
    expect(events.filter((e) => e.type.startsWith('lint.'))).toEqual([]);
    expect(events.filter((e) => e.type === 'exec.started')).toHaveLength(1);
  });
});
