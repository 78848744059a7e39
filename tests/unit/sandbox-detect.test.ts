import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeSandbox } from '../../src/sandbox/sandbox-detect.js';
import { findSecretPaths } from '../../src/sandbox/secret-paths.js';

describe('probeSandbox', () => {
  it('on Linux without bwrap on PATH: none, with a warning that says how to install it', async () => {
    const result = await probeSandbox('linux', '/nonexistent-dir');
    expect(result.kind).toBe('none');
    expect(result.warning).toMatch(/bubblewrap/);
    expect(result.warning).toMatch(/apt-get install bubblewrap/);
  });

  it('on Linux with a bwrap that cannot sandbox: none, with its error in the warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-bwrap-'));
    try {
      const fake = join(dir, 'bwrap');
      writeFileSync(fake, '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n', { mode: 0o755 });
      const result = await probeSandbox('linux', dir);
      expect(result).toMatchObject({ kind: 'none', executable: fake });
      expect(result.warning).toContain('No permissions to create new namespace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('elsewhere: none, with a warning naming the platform', async () => {
    const result = await probeSandbox('win32');
    expect(result.kind).toBe('none');
    expect(result.warning).toMatch(/win32/);
  });
});

describe('findSecretPaths', () => {
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'fake-home-')));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('finds the credential files and dirs that exist, resolved through symlinks', async () => {
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.netrc'), 'machine x password y\n');
    mkdirSync(join(home, 'real-aws'));
    symlinkSync(join(home, 'real-aws'), join(home, '.aws'));
    const found = await findSecretPaths(home);
    expect(found).toEqual(
      expect.arrayContaining([
        { path: join(home, '.ssh'), isDirectory: true },
        { path: join(home, '.netrc'), isDirectory: false },
        { path: join(home, 'real-aws'), isDirectory: true },
      ]),
    );
    expect(found.some((s) => s.path.endsWith('.gnupg'))).toBe(false);
  });
});
