// Issue #22 through the real CLI: `run` prints the environment line and the preflight result; a
// "Cannot find module" on the base ends the run (exit 1) before any model turn with the fix named;
// `--no-preflight` goes to the first attempt; `--deps` takes only mine or install (exit 2).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, makeTempDir, removeTempDirs, writeFiles } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({
    script: {
      coder: [{ content: "pad.js\n```javascript\nmodule.exports = (s) => String(s).padStart(3, '0');\n```\n" }],
      sheriff: [{ content: 'VERDICT: PASS' }],
    },
  });
});
afterAll(async () => {
  await server.stop();
  removeTempDirs();
});

function nodeProject(installed: boolean): string {
  const repo = makeRepo({
    files: {
      '.gitignore': 'node_modules/\n',
      'package.json': '{"name":"demo","version":"1.0.0","dependencies":{"left-pad":"1.0.0"}}\n',
      'package-lock.json': '{"name":"demo","lockfileVersion":3,"packages":{}}\n',
      'test.js': "require('left-pad');\nconst pad = require('./pad');\nif (pad('7') !== '007') process.exit(1);\n",
    },
  });
  fs.mkdirSync(path.join(repo, 'node_modules'));
  if (installed) writeFiles(path.join(repo, 'node_modules', 'left-pad'), { 'index.js': 'module.exports = () => 0;\n' });
  return repo;
}

describe('mlx-factory run: environment and preflight', () => {
  it('prints the environment line and the preflight result, and passes', { timeout: 180_000 }, async () => {
    const repo = nodeProject(true);
    const result = await runCli(['run', 'Write pad.js', '--check', 'node test.js', '--server-url', server.url], {
      cwd: repo,
      home: makeTempDir('mlxf-home-'),
    });
    expect(result.stdout).toContain('Environment: node_modules from your checkout (read-only)');
    expect(result.stdout).toContain('preflight: The check fails on the base (exit 1), as expected before the change.');
    expect(result.exitCode).toBe(0);
  });

  it(
    '"Cannot find module" on the base: exit 1 before any model turn, the fix named; --no-preflight goes on',
    { timeout: 180_000 },
    async () => {
      const repo = nodeProject(false);
      await server.clearRequests();
      const stopped = await runCli(['run', 'Write pad.js', '--check', 'node test.js', '--server-url', server.url, '--json'], {
        cwd: repo,
        home: makeTempDir('mlxf-home-'),
      });
      expect(stopped.exitCode).toBe(1);
      const preflight = stopped.stdout.split('\n').find((l) => l.includes('"type":"preflight"'));
      expect(preflight).toContain('"outcome":"environment"');
      expect(preflight).toContain('--deps install');
      expect((await server.requests()).length).toBe(0);

      const skipped = await runCli(
        ['run', 'Write pad.js', '--check', 'node test.js', '--server-url', server.url, '--no-preflight', '-n', '1'],
        {
          cwd: repo,
          home: makeTempDir('mlxf-home-'),
        },
      );
      expect(skipped.stdout).toContain('preflight: Preflight skipped (--no-preflight).');
      expect(skipped.stdout).toContain('Attempt 1');
      expect(git(repo, 'status', '--porcelain')).toBe('');
    },
  );

  it('--deps takes mine or install', { timeout: 60_000 }, async () => {
    const repo = nodeProject(true);
    const result = await runCli(['run', 'x', '--check', 'true', '--deps', 'yours', '--server-url', server.url], {
      cwd: repo,
      home: makeTempDir('mlxf-home-'),
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--deps takes mine');
  });
});
