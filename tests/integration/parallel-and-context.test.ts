import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { jsonLines, runCli } from '../support/run-cli.js';

/** Context budgeting over many attempts, and several sessions sharing one server through the queue. */
let server: ScriptedServer;
let tmp: string;

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function repoWith(files: Record<string, string>): { repo: string; home: string } {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-ctx-'));
  const repo = path.join(tmp, 'repo');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  return { repo, home: path.join(tmp, 'home') };
}

const code = (file: string, body: string): string => `${file}\n\`\`\`python\n${body}\n\`\`\`\n`;

describe('context budgeting', () => {
  it('keeps every prompt of a 5-attempt session under max_prompt_tokens, with a repo map and the files in play', async () => {
    const bigModule = Array.from({ length: 2500 }, (_, i) => `def helper_${i}(x):\n    return x + ${i}\n`).join('\n');
    const { repo, home } = repoWith({
      'factory.yaml': 'agent:\n  max_prompt_tokens: 1300\n  stagnation_threshold: 9\n',
      'lib/big_module.py': bigModule,
      'lib/helpers.py': 'def double(x):\n    return 2 * x\n',
      ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`pkg/mod_${i}.py`, `class Thing${i}:\n    pass\n`])),
    });
    // Each attempt fails differently and prints 60 kB, so feedback and output keep growing.
    const coder = [1, 2, 3, 4, 5].map((n) => ({ content: code('app.py', `import sys\nprint('x${n}' * 20000)\nsys.exit(${n})`) }));
    await server.setScript({ coder, sheriff: [{ content: `${'The output is wrong. '.repeat(200)}\nVERDICT: FAIL` }] });
    await server.clearRequests();
    const result = await runCli(
      ['run', 'Fix app.py so it uses the double() helper from lib/helpers.py', '--server-url', server.url, '--json', '-n', '5'],
      { cwd: repo, home },
    );
    expect(result.exitCode).toBe(1);
    const events = jsonLines(result.stdout);
    const started = events.filter((e) => e.type === 'turn.started');
    expect(started.filter((e) => e['persona'] === 'coder')).toHaveLength(5);
    for (const e of started) expect(Number(e['estimatedPromptTokens'])).toBeLessThanOrEqual(1300);
    // The server's own count (chars/4) agrees that every prompt stayed under the budget.
    const requests = await server.requests();
    for (const r of requests) {
      const chars = r.messages.reduce((n, m) => n + String(m.content).length, 0);
      expect(chars / 4).toBeLessThanOrEqual(1300);
    }
    const coderPrompts = requests.filter((r) => r.persona === 'coder').map((r) => r.messages.map((m) => String(m.content)).join('\n'));
    expect(coderPrompts[0]).toContain('## Repository map');
    expect(coderPrompts[0]).toMatch(/pkg\/mod_\d+\.py: Thing\d+/);
    expect(coderPrompts[0]).toContain('lib/big_module.py: helper_0, helper_1'); // in the map, not in full
    expect(coderPrompts[0]).not.toContain('helper_2000');
    expect(coderPrompts[0]).toContain('lib/helpers.py\n```\ndef double(x):'); // named in the task: in play
    // Trimming happened (the prompt would not fit otherwise), and the one-line history survived it.
    expect(started.some((e) => (e['trimmed'] as unknown[]).length > 0)).toBe(true);
    expect(coderPrompts[4]).toContain('Earlier attempts');
    expect(coderPrompts[4]).toContain('Attempt 4: edited app.py; check exited 4'); // the default check runs the one file the Coder wrote
  });
});

describe('parallel sessions', () => {
  it('runs several task files as parallel sessions, one model turn at a time, served round-robin', async () => {
    const { repo, home } = repoWith({ 'README.md': '# p\n' });
    const taskFiles = ['alpha', 'beta', 'gamma'].map((name) => {
      const file = path.join(tmp, `${name}.yaml`);
      fs.writeFileSync(file, `name: ${name}\ndescription: Task ${name}, print its name\ncheck: sleep 0.3 && python3 main.py\n`);
      return file;
    });
    const reply = `${'Writing the program now. '.repeat(6)}\n${code('main.py', "print('ok')")}`;
    await server.setScript({
      // The first Coder turn streams for ~2 s, so every session has queued its first turn before it
      // ends; the turns after it need not be slow (the last reply repeats).
      coder: [
        { content: reply, tokensPerSecond: 20 },
        { content: reply, tokensPerSecond: 400 },
      ],
      sheriff: [{ content: 'Fine.\nVERDICT: PASS' }],
    });
    await server.clearRequests();
    const before = await server.stats();
    const result = await runCli(['run', ...taskFiles.flatMap((f) => ['-t', f]), '--server-url', server.url, '--json'], { cwd: repo, home });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const summaries = jsonLines(result.stdout).filter((e) => e.type === 'summary');
    expect(summaries.map((s) => s['status'])).toEqual(['passed', 'passed', 'passed']);
    expect(new Set(summaries.map((s) => s['session'])).size).toBe(3);
    const stats = await server.stats();
    expect(stats.maxActive).toBe(Math.max(before.maxActive, 1)); // llm_concurrency 1: never two turns at once
    // Round-robin: the first three turns served belong to three different sessions (the probe for tools, #17, is not a session's turn).
    const first = (await server.requests())
      .filter((r) => r.tools === null)
      .slice(0, 3)
      .map((r) => /Task (\w+)/.exec(JSON.stringify(r.messages))?.[1]);
    expect(new Set(first).size).toBe(3);
    expect(jsonLines(result.stdout).some((e) => e.type === 'turn.queued')).toBe(true);
  });

  it('refuses the whole run when one task file is bad, creating nothing', async () => {
    const { repo, home } = repoWith({ 'README.md': '# p\n' });
    const good = path.join(tmp, 'good.yaml');
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(good, 'description: fine\n');
    fs.writeFileSync(bad, 'description: fine\nmax_attempts: many\n');
    const result = await runCli(['run', '-t', good, '-t', bad, '--server-url', server.url], { cwd: repo, home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('bad.yaml: max_attempts');
    expect(fs.existsSync(home)).toBe(false);
  });
});
