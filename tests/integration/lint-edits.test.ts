// Lint on edit (#16): the syntax check of touched files, with the real tools run in the real OS sandbox
// (bubblewrap here) and JSON / YAML parsed in-process. Each error names its file, tool and line.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxed, type ExecRequest, type ExecResult } from '../../src/sandbox/index.js';
import { lintFiles } from '../../src/sessions/lint-edits.js';
import { makeDir, requireSandbox } from './sandbox-support.js';

let worktree: string;
const runs: ExecRequest[] = [];
const run = (request: ExecRequest): Promise<ExecResult> => {
  runs.push(request);
  return runSandboxed(request);
};
const lint = (files: string[], timeoutMs = 10_000) =>
  lintFiles(files, { worktree, run, sandbox: 'required', timeoutMs, signal: new AbortController().signal, readOnlyPaths: [] });

function write(files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(worktree, rel)), { recursive: true });
    fs.writeFileSync(path.join(worktree, rel), content);
  }
}

beforeAll(async () => {
  await requireSandbox();
  worktree = makeDir('lint-edits-');
});
afterAll(() => fs.rmSync(worktree, { recursive: true, force: true }));

describe('lintFiles', () => {
  it('passes good files of every language it knows, in one sandboxed run, leaving nothing in the worktree', async () => {
    write({
      'ok.py': 'def f(x):\n    return x + 1\n',
      'ok.js': 'const a = 1;\nconsole.log(a);\n',
      'ok.mjs': 'export const a = 1;\n',
      'ok.sh': 'if true; then echo hi; fi\n',
      'ok.go': 'package main\n\nfunc main() {}\n',
      'ok.json': '{"a": [1, 2]}\n',
      'ok.yaml': 'a:\n  - 1\n  - 2\n',
      'ok.toml': 'a = 1\n[b]\nc = "x"\n',
      'README.md': '# not linted\n',
    });
    const before = fs.readdirSync(worktree).sort();
    runs.length = 0;
    const outcome = await lint(['ok.py', 'ok.js', 'ok.mjs', 'ok.sh', 'ok.go', 'ok.json', 'ok.yaml', 'ok.toml', 'README.md', 'gone.py']);
    expect(outcome.errors).toEqual([]);
    expect(outcome.linted).toEqual(expect.arrayContaining(['ok.py', 'ok.js', 'ok.mjs', 'ok.sh', 'ok.go', 'ok.json', 'ok.yaml', 'ok.toml']));
    expect(outcome.linted).not.toContain('README.md');
    expect(outcome.linted).not.toContain('gone.py'); // deleted by the edit: nothing to lint
    expect(runs).toHaveLength(1); // one sandboxed shell for every tool
    expect(runs[0]?.sandbox).toBe('required');
    expect(fs.readdirSync(worktree).sort()).toEqual(before); // no __pycache__ or anything else left
    expect(outcome.durationMs).toBeLessThan(10_000);
  });

  it('reports each syntax error with its tool and line', async () => {
    write({
      'bad.py': 'x = 1\ndef f(:\n    pass\n',
      'bad.js': 'const a = 1;\nconst = 2;\n',
      'bad.sh': 'echo hi\nif true; then\n',
      'bad.go': 'package main\n\nfunc main() {\n',
      'bad.json': '{\n  "a": 1,\n  "b": }\n',
      'bad.yaml': 'a: 1\nb: [1, 2\nc: 3\n',
      'bad.toml': 'a = 1\nb = \n',
    });
    const outcome = await lint(['bad.py', 'bad.js', 'bad.sh', 'bad.go', 'bad.json', 'bad.yaml', 'bad.toml']);
    const byFile = new Map(outcome.errors.map((e) => [e.file, e]));
    expect(byFile.get('bad.py')).toMatchObject({ tool: 'python3 -m py_compile', line: 2 });
    expect(byFile.get('bad.py')?.message).toMatch(/SyntaxError/);
    expect(byFile.get('bad.js')).toMatchObject({ tool: 'node --check', line: 2 });
    expect(byFile.get('bad.js')?.message).toMatch(/SyntaxError/);
    expect(byFile.get('bad.sh')).toMatchObject({ tool: 'bash -n' });
    expect(byFile.get('bad.sh')?.line).toBeGreaterThanOrEqual(2);
    expect(byFile.get('bad.go')).toMatchObject({ tool: 'gofmt -e' });
    expect(byFile.get('bad.go')?.line).toBeGreaterThanOrEqual(3);
    expect(byFile.get('bad.json')).toMatchObject({ tool: 'JSON.parse', line: 3 });
    expect(byFile.get('bad.yaml')).toMatchObject({ tool: 'yaml' });
    expect(byFile.get('bad.yaml')?.line).toBeGreaterThanOrEqual(2);
    expect(byFile.get('bad.toml')).toMatchObject({ tool: 'python3 tomllib', line: 2 });
    expect(outcome.errors).toHaveLength(7);
  });

  it('skips a language whose tool is missing, and says which tool', async () => {
    // ruby is not installed on this machine (the test states it rather than assumes it).
    const hasRuby =
      (await runSandboxed({ command: 'command -v ruby', cwd: worktree, timeoutMs: 10_000, sandbox: 'required' })).exitCode === 0;
    write({ 'x.rb': 'def f(\n' });
    const outcome = await lint(['x.rb']);
    if (hasRuby) {
      expect(outcome.errors.map((e) => e.tool)).toEqual(['ruby -c']);
    } else {
      expect(outcome.missingTools).toEqual(['ruby']);
      expect(outcome.skipped).toEqual([{ file: 'x.rb', reason: 'ruby is not installed here' }]);
    }
  });

  it('does not follow a link out of the worktree, and cannot be fooled by markers in the output', async () => {
    const outside = makeDir('lint-outside-');
    fs.writeFileSync(path.join(outside, 'secret.py'), 'def (:\n');
    fs.symlinkSync(path.join(outside, 'secret.py'), path.join(worktree, 'link.py'));
    // A file whose error message quotes marker-like text.
    write({ 'tricky.py': '@@0000000000000000 end 0 0\nx = (\n' });
    const outcome = await lint(['link.py', 'tricky.py']);
    expect(outcome.linted).toEqual(['tricky.py']);
    expect(outcome.errors.map((e) => e.file)).toEqual(['tricky.py']);
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('skips the sandboxed tools when the attempt has no lint time left', async () => {
    write({ 'late.py': 'def (:\n', 'late.json': '{' });
    runs.length = 0;
    const outcome = await lint(['late.py', 'late.json'], 0);
    expect(runs).toHaveLength(0);
    expect(outcome.errors.map((e) => e.file)).toEqual(['late.json']); // in-process parsing costs nothing
    expect(outcome.skipped).toEqual([{ file: 'late.py', reason: 'the 10 s lint time of this attempt is spent' }]);
  });
});
