// A seed user's habits: `factory run` in a plain (non-git) project folder reads the factory.yaml
// there, and `factory` is the same program as `mlx-factory`. The real CLI, the scripted server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTaskFile } from '../../src/task/load-task.js';
import { runCli, summaryOf } from '../support/run-cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { REPO_ROOT } from '../support/test-deps.js';

let server: ScriptedServer;
let tmp: string;
beforeAll(async () => {
  server = await startScriptedServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-compat-'));
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('seed compatibility', () => {
  it('a plain folder’s factory.yaml is honoured: max_attempts: 1 makes one attempt', async () => {
    const project = path.join(tmp, 'plain-project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'factory.yaml'), 'agent:\n  max_attempts: 1\n');
    await server.setScript({
      coder: [{ content: 'main.py\n```python\nprint(1/0)\n```\n' }],
      sheriff: [{ content: 'It crashed.\nVERDICT: FAIL' }],
    });
    const result = await runCli(['run', 'Print the answer', '--server-url', server.url, '--json'], {
      cwd: project,
      home: path.join(tmp, 'home'),
    });
    expect(summaryOf(result.stdout)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.exitCode).toBe(1);
    expect(fs.existsSync(path.join(project, '.git'))).toBe(false); // the folder itself is left alone
  }, 60_000);

  it('ships the seed’s three scenarios as task files with a check each', () => {
    const tasks = ['calendar', 'csv-analytics', 'mlp-from-scratch'].map((name) =>
      loadTaskFile(path.join(REPO_ROOT, 'examples', `${name}.yaml`)),
    );
    expect(tasks.map((t) => t.name)).toEqual(['calendar-march-2026', 'csv-sales-report', 'mlp-from-scratch']);
    for (const task of tasks) {
      expect(task.check).toMatch(/^python3 main\.py > out\.txt && /);
      expect(task.max_attempts).toBe(5);
    }
  });
});
