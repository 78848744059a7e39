import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSandboxExecArgs, macosProfilePath, sbplString } from '../../src/sandbox/sandbox-exec-args.js';
import { HOME_SECRET_PATHS } from '../../src/sandbox/secret-paths.js';

const base = {
  command: 'python3 main.py',
  worktree: '/Users/me/.mlx-factory/worktrees/s1',
  tmpDir: '/private/var/folders/xy/T/mlx-factory-run-abc',
  home: '/Users/me',
  profilePath: '/app/resources/sandbox/macos.sb',
};

describe('buildSandboxExecArgs', () => {
  it('uses the profile file and passes the paths as parameters', () => {
    expect(buildSandboxExecArgs({ ...base, writableDirs: [] })).toEqual([
      '-f',
      '/app/resources/sandbox/macos.sb',
      '-D',
      `WORKTREE=${base.worktree}`,
      '-D',
      `TMP=${base.tmpDir}`,
      '-D',
      'HOME=/Users/me',
      '/bin/sh',
      '-c',
      'python3 main.py',
    ]);
  });

  it('appends escaped allow rules inline for extra writable dirs', () => {
    const args = buildSandboxExecArgs({ ...base, writableDirs: ['/Users/me/we"ird\\dir'], profileText: '(version 1)' });
    expect(args[0]).toBe('-p');
    expect(args[1]).toBe('(version 1)\n(allow file-write*\n  (subpath "/Users/me/we\\"ird\\\\dir"))\n');
    expect(args.slice(-3)).toEqual(['/bin/sh', '-c', 'python3 main.py']);
    expect(() => buildSandboxExecArgs({ ...base, writableDirs: ['/x'] })).toThrow(/profileText/);
  });

  it('keeps the .git pointer read-only and, for a trusted setup only, allows the network — after the profile, so they win', () => {
    const args = buildSandboxExecArgs({ ...base, writableDirs: [], readOnlyPaths: ['/w/.git'], network: true, profileText: '(version 1)' });
    expect(args[0]).toBe('-p');
    expect(args[1]).toBe('(version 1)\n(allow network*)\n(deny file-write*\n  (literal "/w/.git"))\n');
    expect(buildSandboxExecArgs({ ...base, writableDirs: [], readOnlyPaths: [] })[0]).toBe('-f');
  });

  it('quotes SBPL strings', () => {
    expect(sbplString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('resources/sandbox/macos.sb', () => {
  const profile = readFileSync(macosProfilePath(), 'utf8');

  it('denies the network and writes outside WORKTREE and TMP', () => {
    expect(profile).toContain('(version 1)');
    expect(profile).toContain('(deny network*)');
    expect(profile).toContain('(deny file-write*)');
    expect(profile).toContain('(subpath (param "WORKTREE"))');
    expect(profile).toContain('(subpath (param "TMP"))');
    // Later rules win: the write allow-list comes after the blanket deny.
    expect(profile.indexOf('(allow file-write*')).toBeGreaterThan(profile.indexOf('(deny file-write*)'));
  });

  it('hides every credential path that Linux hides', () => {
    for (const relative of HOME_SECRET_PATHS) {
      expect(profile, relative).toContain(`(subpath (string-append (param "HOME") "/${relative}"))`);
    }
  });

  it('has balanced parentheses outside comments and strings', () => {
    let depth = 0;
    for (const line of profile.split('\n')) {
      const code = line.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/;.*$/, '');
      for (const ch of code) {
        if (ch === '(') depth++;
        if (ch === ')') depth--;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
    }
    expect(depth).toBe(0);
  });
});
