import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/test-deps.js';

/**
 * `npm start` where Electron cannot start (no binary here, no display): one sentence that says so
 * and offers `npm run web` — no stack trace, no attempt to download the binary, no build first.
 */
function start(overrides: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string; ms: number } {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, DISPLAY: undefined, WAYLAND_DISPLAY: undefined, ...overrides }))
    if (value !== undefined) env[name] = value;
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'start.mjs')], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

describe('npm start without a usable Electron', () => {
  it('says there is no binary in one sentence and offers npm run web', () => {
    const distBefore = fs.existsSync(path.join(REPO_ROOT, 'node_modules', 'electron', 'dist'));
    const result = start({ ELECTRON_EXEC_PATH: undefined, ELECTRON_OVERRIDE_DIST_PATH: undefined });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^MLX Factory cannot start in Electron here: Electron's binary is not downloaded .*; run `npm run web` to use it in your browser instead\.$/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at |Error:/);
    // Nothing was fetched and nothing was built first.
    expect(fs.existsSync(path.join(REPO_ROOT, 'node_modules', 'electron', 'dist'))).toBe(distBefore);
    expect(result.ms).toBeLessThan(5000);
  });

  // On a Mac there is always a display; this check is Linux's.
  it.runIf(process.platform === 'linux')('says there is no display when a binary exists but no window can open (Linux)', () => {
    const result = start({ ELECTRON_EXEC_PATH: process.execPath });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'MLX Factory cannot start in Electron here: there is no display (DISPLAY and WAYLAND_DISPLAY are unset); run `npm run web` to use it in your browser instead.',
    );
  });

  it('package.json runs it as npm start', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBe('node scripts/start.mjs');
  });
});
