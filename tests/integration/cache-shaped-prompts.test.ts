import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { jsonLines, runCli } from '../support/run-cli.js';

/**
 * #17 part 1: prompts shaped for a prefix cache. The scripted server counts, for every prompt, how much
 * of it repeats the start of an earlier one (what mlx_lm.server's LRU prompt cache could reuse) and
 * reports it as `cached_tokens`; the session must log it per turn and give its cached share.
 */
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
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-cache-'));
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

const module = (name: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `def ${name}_${i}(x):\n    """Return x plus ${i}."""\n    return x + ${i}\n`).join('\n');

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

describe('cache-shaped prompts', () => {
  it('keeps the start of every prompt from attempt 2 on the same as an earlier one (5 files in play, one changing)', async () => {
    const { repo, home } = repoWith({
      'factory.yaml': 'agent:\n  stagnation_threshold: 9\n',
      'lib/alpha.py': module('alpha', 12),
      'lib/beta.py': module('beta', 12),
      'lib/gamma.py': module('gamma', 12),
      'lib/delta.py': module('delta', 12),
      'app.py': 'print("start")\n',
      ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`pkg/mod_${i}.py`, `class Thing${i}:\n    pass\n`])),
    });
    // Each attempt rewrites app.py differently and fails differently; the four lib files never change.
    const coder = [1, 2, 3, 4, 5].map((n) => ({
      content: `app.py\n\`\`\`python\nimport sys\nfrom lib import alpha\nprint(alpha.alpha_${n}(${n}))\nsys.exit(${n})\n\`\`\`\n`,
    }));
    await server.setScript({ coder, sheriff: [{ content: 'The program exits with an error.\nVERDICT: FAIL' }] });
    await server.clearRequests();
    const result = await runCli(
      [
        'run',
        'Make app.py print the sum of lib/alpha.py, lib/beta.py, lib/gamma.py and lib/delta.py helpers',
        '--server-url',
        server.url,
        '--json',
        '-n',
        '5',
      ],
      { cwd: repo, home },
    );
    expect(result.exitCode, result.stderr).toBe(1);
    const events = jsonLines(result.stdout);
    // The session's turns (not the one-off probe for tool support, #17, which offers tools).
    const requests = (await server.requests()).filter((r) => r.tools === null);
    const coderRequests = requests.filter((r) => r.persona === 'coder');
    expect(coderRequests).toHaveLength(5);
    // Five files in play (the four the task names and app.py), the four unchanged ones first.
    const firstPrompt = String(coderRequests[0]?.messages[1]?.content);
    for (const file of ['lib/alpha.py', 'lib/beta.py', 'lib/gamma.py', 'lib/delta.py', 'app.py'])
      expect(firstPrompt).toContain(`${file}\n\`\`\``);
    const lastPrompt = String(coderRequests[4]?.messages[1]?.content);
    expect(lastPrompt.indexOf('lib/delta.py\n```')).toBeLessThan(lastPrompt.indexOf('## Files you changed'));
    expect(lastPrompt.indexOf('## Files you changed')).toBeLessThan(lastPrompt.indexOf('## Latest check output'));

    const shares = (list: typeof requests): number[] => list.map((r) => r.sharedPrefixTokens / r.promptTokens);
    const attempt1 = new Set(requests.slice(0, 2)); // attempt 1: one Coder turn, one Sheriff turn
    const later = requests.filter((r) => !attempt1.has(r));
    const coderShares = shares(later.filter((r) => r.persona === 'coder'));
    const sheriffShares = shares(later.filter((r) => r.persona === 'sheriff'));
    // The share of prompt tokens a prefix cache could serve from attempt 2 on (what the bench measures for real).
    const tokenShare = later.reduce((n, r) => n + r.sharedPrefixTokens, 0) / later.reduce((n, r) => n + r.promptTokens, 0);
    console.log(
      `shared prefix from attempt 2 on — coder: ${coderShares.map((s) => s.toFixed(2)).join(' ')}; sheriff: ${sheriffShares.map((s) => s.toFixed(2)).join(' ')}; all turns median ${median(shares(later)).toFixed(2)}, token-weighted ${tokenShare.toFixed(2)}`,
    );
    expect(median(coderShares)).toBeGreaterThanOrEqual(0.7);
    expect(tokenShare).toBeGreaterThanOrEqual(0.7);

    // cached_tokens is in the log of every turn, as the server reported it.
    const finished = events.filter((e) => e['type'] === 'turn.finished');
    expect(finished).toHaveLength(requests.length);
    finished.forEach((e, i) =>
      expect((e['usage'] as { cachedTokens?: number }).cachedTokens).toBe(
        Math.min(requests[i]?.sharedPrefixTokens ?? -1, requests[i]?.promptTokens ?? -1),
      ),
    );
    // …and the session's share in the summary and in `sessions show`.
    const summary: Record<string, unknown> = events.find((e) => e['type'] === 'summary') ?? {};
    const share = Number(summary['cachedShare']);
    expect(share).toBeGreaterThan(0.5);
    const show = await runCli(['sessions', 'show', String(summary['id'])], { cwd: repo, home });
    expect(show.stdout).toContain(`cache     ${Math.round(share * 100)} % of prompt tokens from the server's cache`);
  });
});
