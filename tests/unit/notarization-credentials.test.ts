import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/test-deps.js';

/** electron-builder.yml's afterPack hook: a release build with notarize on needs the API key (#20 item 8). */
type Hook = ((context: { electronPlatformName: string; packager: { config: { mac?: { notarize?: unknown } } } }) => Promise<void>) & {
  missingNotarizationCredentials(platform: string, notarize: unknown, env: Record<string, string | undefined>): string[];
};
const hook = createRequire(import.meta.url)(path.join(REPO_ROOT, 'scripts', 'require-notarization-credentials.cjs')) as Hook;

describe('require-notarization-credentials', () => {
  const key = { APPLE_API_KEY: '/keys/AuthKey.p8', APPLE_API_KEY_ID: 'ABC123', APPLE_API_ISSUER: 'issuer' };

  it('names what is missing when notarization is on for a macOS build, and nothing otherwise', () => {
    expect(hook.missingNotarizationCredentials('mac', true, {})).toEqual(['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER']);
    expect(hook.missingNotarizationCredentials('mac', true, { ...key, APPLE_API_ISSUER: '' })).toEqual(['APPLE_API_ISSUER']);
    expect(hook.missingNotarizationCredentials('mac', true, key)).toEqual([]);
    expect(hook.missingNotarizationCredentials('mac', false, {})).toEqual([]);
    expect(hook.missingNotarizationCredentials('linux', true, {})).toEqual([]);
  });

  it('fails the build (rejects) rather than warning', async () => {
    const saved = { ...process.env };
    for (const name of Object.keys(key)) delete process.env[name];
    try {
      await expect(hook({ electronPlatformName: 'darwin', packager: { config: { mac: { notarize: true } } } })).rejects.toThrow(
        /APPLE_API_KEY, APPLE_API_KEY_ID, APPLE_API_ISSUER are not set/,
      );
      await expect(hook({ electronPlatformName: 'darwin', packager: { config: { mac: { notarize: false } } } })).resolves.toBeUndefined();
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
