// A `server.python` for tests of the app's own supervisor: the test venv's Python for every probe
// (so discovery and the doctor see a real mlx-lm), and the scripted server — which takes
// mlx_lm.server's flags — for `-m mlx_lm server` / `-m mlx_lm.server`. The app then owns a real
// server process whose "model" plays the Coder and the Sheriff from a script.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './free-port.js';
import { makeTempDir } from './git-fixtures.js';
import type { Script } from './scripted-server/launch.js';
import { REPO_ROOT, testDeps } from './test-deps.js';

export async function supervisedServerConfig(script: Script, agent: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const deps = testDeps();
  const dir = makeTempDir('mlxf-python-');
  const scriptFile = path.join(dir, 'script.json');
  fs.writeFileSync(scriptFile, JSON.stringify(script));
  const python = path.join(dir, 'python3');
  const server = path.join(REPO_ROOT, 'tests', 'support', 'scripted-server', 'server.ts');
  fs.writeFileSync(
    python,
    [
      '#!/bin/sh',
      `if [ "$1" = "-m" ] && [ "$2" = "mlx_lm" ] && [ "$3" = "server" ]; then shift 3; elif [ "$1" = "-m" ] && [ "$2" = "mlx_lm.server" ]; then shift 2; else exec '${deps.python}' "$@"; fi`,
      // `--import tsx` resolves from the working directory.
      `cd '${REPO_ROOT}' && exec '${process.execPath}' --import tsx '${server}' "$@" --script '${scriptFile}'`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return {
    server: { model: deps.model, python, host: '127.0.0.1', port: await freePort() },
    agent: { max_attempts: 1, execution_timeout: 30, llm_timeout: 30, ...agent },
  };
}
