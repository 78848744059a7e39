import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { jsonLines, runCli, summaryOf } from '../support/run-cli.js';

/**
 * The Coder finds its way in a 300-file repository with SEARCH, LIST and a ranged READ instead of
 * having the repository in its prompt: the real CLI, the scripted server playing the Coder, a real
 * git repo and the check as a real subprocess. Every prompt stays within max_prompt_tokens.
 */
const MAX_PROMPT_TOKENS = 1500;
const TARGET = 'pkg/p21/mod_217.py';
let server: ScriptedServer;
let tmp: string;

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** 30 packages × 10 modules of ~80 lines; one function, deep in one module, has the bug. */
function makeRepo(): { repo: string; home: string } {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-tools-'));
  const repo = path.join(tmp, 'repo');
  for (let i = 0; i < 300; i += 1) {
    const file = path.join(repo, 'pkg', `p${Math.floor(i / 10)}`, `mod_${i}.py`);
    const helpers = Array.from(
      { length: 10 },
      (_, k) => `def helper_${i}_${k}(x):\n    y = x * ${k + 1}\n    z = y - ${i}\n    return z + ${k}\n`,
    );
    const target =
      'def apply_discount(price, percent):\n    """The price after a discount of `percent` per cent."""\n    return price + price * percent / 100\n';
    // The target sits at lines 31-33, after five helpers, so a READ of a range finds it.
    const body = i === 217 ? [...helpers.slice(0, 5), target, ...helpers.slice(5)] : helpers;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${body.join('\n\n')}`);
    fs.writeFileSync(path.join(path.dirname(file), '__init__.py'), '');
  }
  fs.writeFileSync(path.join(repo, 'pkg', '__init__.py'), '');
  fs.writeFileSync(
    path.join(repo, 'check.py'),
    'from pkg.p21.mod_217 import apply_discount\nassert apply_discount(200, 10) == 180, apply_discount(200, 10)\nprint("ok")\n',
  );
  fs.writeFileSync(path.join(repo, 'factory.yaml'), `agent:\n  max_prompt_tokens: ${MAX_PROMPT_TOKENS}\n`);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  return { repo, home: path.join(tmp, 'home') };
}

describe('Coder tools in a session', () => {
  it('finds the function to fix with SEARCH, LIST and a ranged READ, fixes it and passes, every prompt within budget', async () => {
    const { repo, home } = makeRepo();
    const lineOfTarget = fs.readFileSync(path.join(repo, TARGET), 'utf8').split('\n').indexOf('def apply_discount(price, percent):') + 1;
    expect(lineOfTarget).toBe(31);
    const fix = `${TARGET}\n\`\`\`python\n<<<<<<< SEARCH\n    return price + price * percent / 100\n=======\n    return price - price * percent / 100\n>>>>>>> REPLACE\n\`\`\`\n`;
    await server.setScript({
      coder: [
        { content: 'I need to find apply_discount first.\n\nSEARCH def apply_discount\nLIST pkg/p21' },
        { content: `It is in ${TARGET}.\n\nREAD ${TARGET} 29-36` },
        { content: `The sign is wrong.\n\n${fix}` },
      ],
      sheriff: [{ content: 'The check printed ok.\nVERDICT: PASS' }],
    });
    await server.clearRequests();
    const result = await runCli(
      [
        'run',
        'apply_discount returns a higher price instead of a discounted one. Fix it.',
        '--check',
        'python3 check.py',
        '--server-url',
        server.url,
        '--json',
        '-n',
        '1',
      ],
      { cwd: repo, home },
    );
    expect(result.stderr).toBe('');
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'passed', attempts: 1 });
    const worktree = String(summaryOf(result.stdout).worktree);
    expect(fs.readFileSync(path.join(worktree, TARGET), 'utf8')).toContain('    return price - price * percent / 100\n');

    const events = jsonLines(result.stdout);
    expect(events.filter((e) => e.type === 'read.answered').map((e) => e['paths'])).toEqual([
      ['SEARCH def apply_discount', 'LIST pkg/p21'],
      [`READ ${TARGET} 29-36`],
    ]);
    expect(events.filter((e) => e.type === 'edit.rejected')).toEqual([]);

    const coderPrompts = (await server.requests())
      .filter((r) => r.persona === 'coder')
      .map((r) => r.messages.map((m) => String(m.content)).join('\n'));
    expect(coderPrompts).toHaveLength(3);
    // The first prompt has a repo map that cannot hold 300 files, and not the target's code.
    expect(coderPrompts[0]).toContain('## Repository map');
    expect(coderPrompts[0]).not.toContain('apply_discount(price');
    // SEARCH answered with the file and line; LIST with the package's files and sizes.
    expect(coderPrompts[1]).toContain(
      `### SEARCH def apply_discount\n1 matching lines in 1 files:\n${TARGET}:${lineOfTarget}: def apply_discount(price, percent):`,
    );
    expect(coderPrompts[1]).toContain('### LIST pkg/p21\n11 tracked files under pkg/p21:\npkg/p21/__init__.py (0 B)');
    expect(coderPrompts[1]).toMatch(/pkg\/p21\/mod_217\.py \(\d+(\.\d)? (B|kB)\)/);
    // The ranged READ shows exactly those lines.
    expect(coderPrompts[2]).toContain(`### READ ${TARGET} 29-36\n${TARGET}, lines 29-36 of `);
    expect(coderPrompts[2]).toContain(
      'def apply_discount(price, percent):\n    """The price after a discount of `percent` per cent."""\n    return price + price * percent / 100\n',
    );
    expect(coderPrompts[2]).not.toContain('helper_217_0(');

    // Within the budget by our estimate and by the server's own count (4 characters per token).
    for (const e of events.filter((x) => x.type === 'turn.started'))
      expect(Number(e['estimatedPromptTokens'])).toBeLessThanOrEqual(MAX_PROMPT_TOKENS);
    for (const r of await server.requests()) {
      const chars = r.messages.reduce((n, m) => n + String(m.content).length, 0);
      expect(chars / 4).toBeLessThanOrEqual(MAX_PROMPT_TOKENS);
    }
  });
});
