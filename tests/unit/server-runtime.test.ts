import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPidFile, removePidFile, writePidFile, type PidFileRecord } from '../../src/server/pid-file.js';
import { looksLikeRecordedServer } from '../../src/server/process-info.js';
import { judgePython } from '../../src/server/runtime/discover-runtime.js';
import { pythonCandidates } from '../../src/server/runtime/python-candidates.js';
import { isPythonRecentEnough, pipSpecifiers, PYTHON_REQUIREMENTS } from '../../src/server/runtime/python-requirements.js';
import { REPO_ROOT } from '../support/test-deps.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('where to look for Python', () => {
  const listDir = (dir: string): string[] => {
    if (dir === '/Users/u/.pyenv/versions') return ['3.9.18', '3.12.1', '3.11.7'];
    if (dir === '/Users/u/.local/share/uv/python')
      return ['cpython-3.11.9-macos-aarch64-none', 'cpython-3.13.0-macos-aarch64-none', '.lock'];
    if (dir === '/Library/Frameworks/Python.framework/Versions') return ['3.12', 'Current'];
    return [];
  };

  it('tries config, the app venv, an active venv, PATH, then Homebrew, pyenv, uv, conda, python.org (a GUI app has a bare PATH)', () => {
    const candidates = pythonCandidates({
      configPython: '/opt/py/bin/python3',
      appVenvPython: '/Users/u/Library/Application Support/MLX Factory/venv/bin/python',
      env: { PATH: '/usr/bin:/bin', VIRTUAL_ENV: '/Users/u/proj/.venv' },
      homedir: '/Users/u',
      platform: 'darwin',
      listDir,
    });
    const sources = [...new Set(candidates.map((c) => c.source))];
    expect(sources).toEqual(['config', 'app-venv', 'virtualenv', 'path', 'homebrew', 'pyenv', 'uv', 'conda', 'python.org']);
    const paths = candidates.map((c) => c.path);
    expect(paths[0]).toBe('/opt/py/bin/python3');
    expect(paths[1]).toBe('/Users/u/Library/Application Support/MLX Factory/venv/bin/python');
    expect(paths).toContain('/opt/homebrew/bin/python3');
    // Newest first within pyenv and uv.
    const pyenv = paths.filter((p) => p.includes('.pyenv/versions'));
    expect(pyenv).toEqual([
      '/Users/u/.pyenv/versions/3.12.1/bin/python3',
      '/Users/u/.pyenv/versions/3.11.7/bin/python3',
      '/Users/u/.pyenv/versions/3.9.18/bin/python3',
    ]);
    const uv = paths.filter((p) => p.includes('/uv/python/'));
    expect(uv[0]).toContain('cpython-3.13.0');
    expect(paths).toContain('/Users/u/miniforge3/bin/python3');
    expect(paths).toContain('/Library/Frameworks/Python.framework/Versions/3.12/bin/python3');
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('looks a bare server.python name up on PATH', () => {
    const candidates = pythonCandidates({
      configPython: 'python3.12',
      appVenvPython: '/h/venv/bin/python',
      env: { PATH: '/a:/b' },
      homedir: '/h',
      platform: 'linux',
      listDir: () => [],
    });
    expect(candidates.slice(0, 2)).toEqual([
      { path: '/a/python3.12', source: 'config' },
      { path: '/b/python3.12', source: 'config' },
    ]);
  });

  it('judges an interpreter: usable with mlx-lm, too old, without mlx-lm, wrong architecture', () => {
    const info = { version: '3.11.7', executable: '/x', prefix: '/x', machine: 'x86_64', mlx: '0.32.4', mlxLm: '0.32.2' };
    expect(judgePython(info, 'linux').verdict).toBe('usable');
    expect(judgePython({ ...info, mlxLm: null }, 'linux').verdict).toBe('no-mlx-lm');
    expect(judgePython({ ...info, version: '3.9.6', mlx: null, mlxLm: null }, 'linux')).toMatchObject({
      verdict: 'too-old',
      detail: expect.stringMatching(/3\.9\.6 is too old.*3\.11 or newer/) as unknown,
    });
    expect(judgePython(info, 'darwin').verdict).toBe('wrong-arch');
    expect(judgePython({ ...info, machine: 'arm64' }, 'darwin').verdict).toBe('usable');
  });
});

describe('the pinned Python requirements', () => {
  it('installs mlx with its CPU backend on Linux and plain elsewhere', () => {
    expect(pipSpecifiers('linux')).toContain(`mlx[cpu]==${PYTHON_REQUIREMENTS.packages['mlx'] ?? ''}`);
    expect(pipSpecifiers('darwin')).toContain(`mlx==${PYTHON_REQUIREMENTS.packages['mlx'] ?? ''}`);
    expect(pipSpecifiers('darwin')).toContain(`mlx-lm==${PYTHON_REQUIREMENTS.packages['mlx-lm'] ?? ''}`);
  });

  it('compares Python versions', () => {
    expect(isPythonRecentEnough('3.11.0')).toBe(true);
    expect(isPythonRecentEnough('3.13.1')).toBe(true);
    expect(isPythonRecentEnough('4.0.0')).toBe(true);
    expect(isPythonRecentEnough('3.10.13')).toBe(false);
    expect(isPythonRecentEnough('2.7.18')).toBe(false);
  });

  it('are the same pins the test set-up installs (scripts/setup-test-deps.mjs)', () => {
    const script = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'setup-test-deps.mjs'), 'utf8');
    if (script.includes('python-requirements.json')) return; // the script reads the shared file itself
    const block = /const PY_PINS = \{([\s\S]*?)\};/.exec(script)?.[1] ?? '';
    const pins = Object.fromEntries([...block.matchAll(/["']?([\w-]+)["']?:\s*["']([^"']+)["']/g)].map((m) => [m[1], m[2]]));
    expect(pins).toEqual(PYTHON_REQUIREMENTS.packages);
    const min = /const MIN_PYTHON = \[(\d+), (\d+)\]/.exec(script);
    expect([Number(min?.[1]), Number(min?.[2])]).toEqual(PYTHON_REQUIREMENTS.minPython);
  });
});

describe('pid file', () => {
  const record: PidFileRecord = {
    pid: 4242,
    pgid: 4242,
    host: '127.0.0.1',
    port: 8080,
    model: '/models/tiny',
    command: ['/venv/bin/python', '-m', 'mlx_lm', 'server', '--model', '/models/tiny', '--host', '127.0.0.1', '--port', '8080'],
    startedAt: '2026-11-23T16:00:00.000Z',
    supervisorPid: 4000,
    state: 'ready',
  };

  it('round-trips, ignores garbage and half-written files, and removes only its own record', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pid-file-'));
    dirs.push(dir);
    const file = path.join(dir, 'server', 'server.json');
    expect(readPidFile(file)).toBeNull();
    writePidFile(file, record);
    expect(readPidFile(file)).toEqual(record);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['server.json']); // no temp file left
    removePidFile(file, 9999);
    expect(readPidFile(file)).toEqual(record);
    removePidFile(file, 4242);
    expect(fs.existsSync(file)).toBe(false);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"pid": 12, "pg');
    expect(readPidFile(file)).toBeNull();
    fs.writeFileSync(file, JSON.stringify({ ...record, port: 'eighty' }));
    expect(readPidFile(file)).toBeNull();
  });

  it('recognises the recorded server before killing a pid (the pid may have been reused)', () => {
    expect(looksLikeRecordedServer(record.command, record.command, 8080)).toBe(true);
    expect(looksLikeRecordedServer(['/venv/bin/python', '-m', 'mlx_lm', 'server', '--port=8080'], record.command, 8080)).toBe(true);
    expect(looksLikeRecordedServer(record.command, record.command, 8081)).toBe(false);
    expect(looksLikeRecordedServer(['/usr/bin/vim', 'notes.txt'], record.command, 8080)).toBe(false);
    expect(looksLikeRecordedServer(['node', 'other.js', '--port', '8080'], record.command, 8080)).toBe(false);
  });
});
