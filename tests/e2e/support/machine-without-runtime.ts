import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The environment of a new user's machine for the UI host: one Python 3.11+ on PATH (the base
 * interpreter the test venv was made from) and no mlx-lm anywhere; HOME without pyenv/uv/conda.
 * Made under `tmp`; returns what to pass as the host's env.
 */
export function machineWithoutRuntime(python: string, tmp: string): { PATH: string; HOME: string } {
  const base = execFileSync(python, ['-c', 'import sys; print(sys._base_executable)'], { encoding: 'utf8' }).trim();
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(base, path.join(bin, 'python3'));
  const home = path.join(tmp, 'user');
  fs.mkdirSync(home);
  return { PATH: [bin, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter), HOME: home };
}
