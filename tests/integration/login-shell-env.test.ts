import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fallbackEnvironment, parseShellEnvOutput, resolveLoginShellEnv } from '../../src/host/login-shell-env.js';

/**
 * The login shell's environment for an app started from Finder (launchd's bare PATH otherwise):
 * asked of a real shell (bash here; zsh on a Mac) with a temp HOME whose rc files set things up.
 */
const homes: string[] = [];

function homeWith(files: Record<string, string>): string {
  const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-shell-home-')));
  homes.push(home);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(home, name), text);
  return home;
}

const LAUNCHD_ENV = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'en_US.UTF-8' };

/** Running, not a zombie: an exited process stays listed until its (new) parent reaps it, which PID 1 here may do late. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

describe('resolveLoginShellEnv', () => {
  it('reads what the login shell sets up, around whatever its rc files print', async () => {
    const home = homeWith({
      '.bash_profile':
        'echo "Welcome back!"\nexport PATH="/opt/homebrew/bin:$HOME/.pyenv/shims:$PATH"\nexport MULTI="line one\nline two"\nexport EQUALS="a=b=c"\n',
    });
    const result = await resolveLoginShellEnv({
      platform: 'darwin',
      shell: '/bin/bash',
      env: { ...LAUNCHD_ENV, HOME: home, APP_ONLY: 'kept' },
      timeoutMs: 10_000,
    });
    expect(result.source).toBe('login-shell');
    expect(result.env['PATH']?.split(':').slice(0, 2)).toEqual(['/opt/homebrew/bin', `${home}/.pyenv/shims`]);
    expect(result.env['MULTI']).toBe('line one\nline two');
    expect(result.env['EQUALS']).toBe('a=b=c');
    expect(result.env['APP_ONLY']).toBe('kept');
    // Variables of the shell session itself are not carried over.
    for (const name of ['PWD', 'SHLVL', '_', 'MLXF_RESOLVING_SHELL_ENV']) expect(result.env[name], name).toBeUndefined();
  });

  it('runs the shell as a login shell but not an interactive one (-i can make macOS ask for file access)', async () => {
    const home = homeWith({ '.bash_profile': 'export PATH="/opt/homebrew/bin:$PATH"\n' });
    const argsFile = path.join(home, 'args');
    const shell = path.join(home, 'recording-shell');
    fs.writeFileSync(shell, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nexec /bin/bash "$@"\n`, { mode: 0o755 });
    const result = await resolveLoginShellEnv({ platform: 'darwin', shell, env: { ...LAUNCHD_ENV, HOME: home }, timeoutMs: 10_000 });
    expect(result.source).toBe('login-shell');
    const args = fs.readFileSync(argsFile, 'utf8').split('\n');
    expect(args).toContain('-l');
    expect(args).not.toContain('-i');
    expect(result.env['PATH']?.split(':')[0]).toBe('/opt/homebrew/bin');
  });

  it('gives up after the timeout, ends what the shell started, and falls back to the usual folders', async () => {
    const pidFile = path.join(os.tmpdir(), `mlxf-shell-pid-${process.pid}`);
    const home = homeWith({ '.bash_profile': `sleep 60 &\necho $! > '${pidFile}'\nwait\n` });
    const started = Date.now();
    const result = await resolveLoginShellEnv({
      platform: 'darwin',
      shell: '/bin/bash',
      env: { ...LAUNCHD_ENV, HOME: home },
      timeoutMs: 700,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.source).toBe('fallback');
    expect(result.problem).toMatch(/did not answer within 700 ms/);
    expect(result.env['PATH']).toBe(`/opt/homebrew/bin:/opt/homebrew/sbin:/usr/local/bin:${home}/.local/bin:/usr/bin:/bin:/usr/sbin:/sbin`);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    fs.rmSync(pidFile, { force: true });
    await expect.poll(() => isAlive(pid)).toBe(false);
  });

  it('does not wait for a background job that keeps the output open', async () => {
    const home = homeWith({ '.bash_profile': '(sleep 30 &)\nexport FROM_PROFILE=yes\n' });
    const started = Date.now();
    const result = await resolveLoginShellEnv({
      platform: 'darwin',
      shell: '/bin/bash',
      env: { ...LAUNCHD_ENV, HOME: home },
      timeoutMs: 10_000,
    });
    expect(result.source).toBe('login-shell');
    expect(result.env['FROM_PROFILE']).toBe('yes');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('falls back when the shell is missing or not an absolute path', async () => {
    const missing = await resolveLoginShellEnv({ platform: 'darwin', shell: '/no/such/shell', env: { ...LAUNCHD_ENV, HOME: '/Users/me' } });
    expect(missing).toMatchObject({ source: 'fallback', problem: expect.stringContaining('could not start') });
    expect(missing.env['PATH']?.startsWith('/opt/homebrew/bin:')).toBe(true);
    const relative = await resolveLoginShellEnv({ platform: 'darwin', shell: 'zsh', env: { ...LAUNCHD_ENV, HOME: '/Users/me' } });
    expect(relative).toMatchObject({ source: 'fallback', problem: expect.stringContaining('not an absolute path') });
  });

  it('keeps the inherited environment on Linux, where the desktop session already has the login one', async () => {
    const result = await resolveLoginShellEnv({ platform: 'linux', env: { PATH: '/usr/local/bin:/usr/bin', HOME: '/home/me' } });
    expect(result).toEqual({ env: { PATH: '/usr/local/bin:/usr/bin', HOME: '/home/me' }, source: 'inherited', shell: null, durationMs: 0 });
  });
});

describe('the pure parts', () => {
  it('parses only what is between the markers, and needs a PATH', () => {
    expect(parseShellEnvOutput('motd\nMARKPATH=/bin\0A=1\0MARK trailing', 'MARK')).toEqual({ PATH: '/bin', A: '1' });
    expect(parseShellEnvOutput('no markers', 'MARK')).toBeNull();
    expect(parseShellEnvOutput('MARKA=1\0MARK', 'MARK')).toBeNull();
    // An env without -0: one variable per line.
    expect(parseShellEnvOutput('MARKPATH=/bin\nA=1\nMARK', 'MARK')).toEqual({ PATH: '/bin', A: '1' });
  });

  it('adds the usual folders only on macOS, without repeating one', () => {
    expect(fallbackEnvironment({ PATH: '/usr/local/bin:/usr/bin' }, 'darwin', '/Users/me')['PATH']).toBe(
      '/opt/homebrew/bin:/opt/homebrew/sbin:/Users/me/.local/bin:/usr/local/bin:/usr/bin',
    );
    expect(fallbackEnvironment({ PATH: '/usr/bin' }, 'linux', '/home/me')['PATH']).toBe('/usr/bin');
  });
});
