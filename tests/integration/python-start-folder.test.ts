// Our own Pythons (probes, the runtime's pip, mlx_lm.server, the Hub bridge) never import from the
// folder mlx-factory was started in: Python puts that folder first on sys.path for `-c` and `-m`,
// so a cloned repository with a `json.py` (or `pip/`, `mlx_lm/`) at its root would run its code
// outside any sandbox when the user starts the app there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mlxLaunchBuilder } from '../../src/server/launch-spec.js';
import { probePython } from '../../src/server/runtime/probe-python.js';

const startedIn = process.cwd();
const dirs: string[] = [];

afterEach(() => {
  process.chdir(startedIn);
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A "repository" whose json.py writes a marker when imported; the test runs from inside it. */
function hostileFolder(): { dir: string; marker: string } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-hostile-cwd-')));
  dirs.push(dir);
  const marker = path.join(dir, 'imported.txt');
  fs.writeFileSync(path.join(dir, 'json.py'), `open(${JSON.stringify(marker)}, 'w').write('ran')\nraise SystemExit(3)\n`);
  process.chdir(dir);
  return { dir, marker };
}

describe('the folder mlx-factory starts in', () => {
  it('is not on the probe’s import path', async () => {
    const { marker } = hostileFolder();
    const outcome = await probePython('python3');
    expect(outcome.ok, outcome.ok ? '' : outcome.error).toBe(true);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('is neither the model server’s working folder nor on its import path', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-home-'));
    dirs.push(home);
    const spec = await mlxLaunchBuilder({ python: 'python3', model: '/nonexistent', home })(8080, '127.0.0.1');
    expect(spec.cwd).toBe('/');
    expect(spec.env?.['PYTHONSAFEPATH']).toBe('1');
  });
});
