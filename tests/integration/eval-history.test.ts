// `mlx-factory eval --from-history N` on a fixture repository the test builds: 5 commits that add code
// with its tests, 1 whose new test already passes on its parent, 1 without tests, all on a Python
// project whose test command is detected (unittest). A scripted model that answers each task with
// the commit's real change passes 5/5 (the commit whose test already passes is skipped with its
// reason; the commit without tests is not picked at all); a model that answers nothing useful passes
// 0/5. Verification runs in the sandbox; the user's checkout is never touched.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyEvalReportSchema, type HistoryEvalReport } from '../../src/api/history-eval.js';
import { commitAll, git, makeRepo, makeTempDir, removeTempDirs, snapshotCheckout, writeFiles } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';

interface FixtureCommit {
  readonly subject: string;
  readonly code: Record<string, string>;
  readonly tests: Record<string, string>;
}

const fn = (name: string, body: string): string => `def ${name}(x):\n    ${body}\n`;
const testOf = (module: string, name: string, input: number, expected: number): string =>
  `import unittest\nfrom ${module} import ${name}\n\n\nclass Test${name}(unittest.TestCase):\n    def test_it(self):\n        self.assertEqual(${name}(${input}), ${expected})\n`;

/** The five commits that are real tasks: each adds a module and its test. */
const TASKS: FixtureCommit[] = [
  {
    subject: 'Add double()',
    code: { 'double.py': fn('double', 'return x * 2') },
    tests: { 'tests/test_double.py': testOf('double', 'double', 4, 8) },
  },
  {
    subject: 'Add square()',
    code: { 'square.py': fn('square', 'return x * x') },
    tests: { 'tests/test_square.py': testOf('square', 'square', 5, 25) },
  },
  {
    subject: 'Add negate()',
    code: { 'negate.py': fn('negate', 'return -x') },
    tests: { 'tests/test_negate.py': testOf('negate', 'negate', 3, -3) },
  },
  {
    subject: 'Add halve()',
    code: { 'halve.py': fn('halve', 'return x // 2') },
    tests: { 'tests/test_halve.py': testOf('halve', 'halve', 9, 4) },
  },
  {
    subject: 'Add cube()',
    code: { 'cube.py': fn('cube', 'return x ** 3') },
    tests: { 'tests/test_cube.py': testOf('cube', 'cube', 2, 8) },
  },
];

let server: ScriptedServer;
let repo: string;
let home: string;
const shas = new Map<string, string>();

beforeAll(async () => {
  server = await startScriptedServer();
  repo = makeRepo({
    files: { 'inc.py': fn('inc', 'return x + 1'), 'tests/test_inc.py': testOf('inc', 'inc', 1, 2), 'README.md': '# ops\n' },
  });
  for (const [i, task] of TASKS.entries()) {
    writeFiles(repo, { ...task.code, ...task.tests });
    shas.set(task.subject, commitAll(repo, `${task.subject}\n\nThe function ${task.subject.slice(4, -2)} as the test describes.`));
    if (i === 2) {
      // A commit whose new test already passes on its parent: no test of its change.
      writeFiles(repo, { 'inc.py': `# Increment.\n${fn('inc', 'return x + 1')}`, 'tests/test_inc_more.py': testOf('inc', 'inc', 41, 42) });
      shas.set('already', commitAll(repo, 'Document inc() and test it more'));
    }
  }
  // A commit without tests: never picked.
  writeFiles(repo, { 'README.md': '# ops\n\nSmall functions.\n', 'inc.py': `# Increment by one.\n${fn('inc', 'return x + 1')}` });
  shas.set('no-tests', commitAll(repo, 'Describe the project'));
  home = makeTempDir('mlxf-home-');
  // Keep the useless model's runs short: one attempt per task.
  fs.writeFileSync(path.join(home, 'factory.yaml'), 'agent:\n  max_attempts: 1\n');
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

async function evalHistory(
  extra: string[] = [],
): Promise<{ report: HistoryEvalReport; exitCode: number | null; stderr: string; stdout: string }> {
  const run = await runCli(['eval', '--from-history', '10', '--server-url', server.url, ...extra], { cwd: repo, home });
  const json = extra.includes('--json');
  return {
    report: json ? historyEvalReportSchema.parse(JSON.parse(run.stdout)) : (undefined as unknown as HistoryEvalReport),
    exitCode: run.exitCode,
    stderr: run.stderr,
    stdout: run.stdout,
  };
}

describe('eval --from-history', () => {
  it('a model that answers each task with the commit’s real change passes 5/5; the already-passing commit is skipped with its reason', async () => {
    await server.setScript({
      sheriff: [{ content: 'The tests pass and the function does what the commit says.\n\nVERDICT: PASS' }],
      routes: TASKS.map((t) => ({
        match: { contains: t.subject },
        coder: Object.entries(t.code).map(([file, content]) => ({ content: `${file}\n\`\`\`python\n${content}\`\`\`\n` })),
      })),
    });
    const before = snapshotCheckout(repo);
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const { report, exitCode, stderr } = await evalHistory(['--json']);
    expect(exitCode, stderr).toBe(0);
    expect(report.check).toBe('python3 -m unittest discover -s tests');
    expect(report).toMatchObject({ passed: 5, total: 5, bestOf: 1 });
    expect(report.tasks.map((t) => [t.task, t.commit, t.passed])).toEqual(
      [...TASKS].reverse().map((t) => [t.subject, shas.get(t.subject), true]),
    );
    expect(report.skipped).toEqual([
      {
        commit: shas.get('already'),
        subject: 'Document inc() and test it more',
        reason: expect.stringContaining('already pass before the change') as string,
      },
    ]);
    // The commit without tests is simply not picked.
    expect(JSON.stringify(report)).not.toContain(shas.get('no-tests'));
    expect(report.models).toEqual([expect.objectContaining({ passed: 5, total: 5, fit: null })]);
    expect(report.recommendation?.model).toBe(report.models[0]?.model);
    expect(stderr).toContain('skipped: its tests already pass before the change');

    // Each task ran in a session whose base is the parent plus the commit's tests — built with
    // commit-tree; the user's checkout and HEAD are as they were.
    expect(snapshotCheckout(repo)).toEqual(before);
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(head);
    const cube = report.tasks.find((t) => t.task === 'Add cube()');
    const show = JSON.parse((await runCli(['sessions', 'show', cube?.session ?? '', '--json'], { cwd: repo, home })).stdout) as {
      baseCommit: string;
    };
    const parent = git(repo, 'rev-parse', `${shas.get('Add cube()') ?? ''}^`).trim();
    expect(git(repo, 'rev-parse', `${show.baseCommit}^`).trim()).toBe(parent);
    const baseFiles = git(repo, 'ls-tree', '--name-only', '-r', show.baseCommit).split('\n');
    expect(baseFiles).toContain('tests/test_cube.py');
    expect(baseFiles).not.toContain('cube.py');
  }, 600_000);

  it('a model that answers nothing useful passes 0/5, and the table says so', async () => {
    await server.setScript({
      coder: [{ content: 'NOTES.md\n```markdown\nI could not work this out.\n```\n' }],
      sheriff: [{ content: 'Nothing was implemented.\n\nVERDICT: FAIL' }],
    });
    const { exitCode, stdout } = await evalHistory();
    expect(exitCode).toBe(1);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^TASK +COMMIT +MODEL +PASSED +ATTEMPTS +WALL TIME +TOKENS +TOKENS\/S$/);
    expect(lines.filter((l) => /^Add \w+\(\) +[0-9a-f]{8} .+ no \(failed\) +1 /.test(l))).toHaveLength(5);
    expect(stdout).toMatch(/: 0\/5 passed/);
    expect(stdout).toContain('Skipped 1 commit(s):');
    expect(stdout).toContain('Document inc() and test it more — its tests already pass before the change');
  }, 600_000);
});
