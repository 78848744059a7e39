import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FactoryError } from '../../errors/factory-error.js';

const run = promisify(execFile);

/** The keychain service our generic passwords live under (`security add-generic-password -s mlx-factory -a NAME -w`). */
const KEYCHAIN_SERVICE = 'mlx-factory';

/**
 * An external server's API key, never stored in factory.yaml: `server.api_key_env` names an
 * environment variable; on macOS, when that variable is not set, a keychain item (service
 * mlx-factory, account NAME) is read with `security`. Null name = no key.
 */
export async function readApiKey(
  name: string | null,
  options: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {},
): Promise<string | undefined> {
  if (name === null) return undefined;
  const env = options.env ?? process.env;
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const platform = options.platform ?? process.platform;
  if (platform === 'darwin') {
    try {
      const { stdout } = await run('/usr/bin/security', ['find-generic-password', '-s', KEYCHAIN_SERVICE, '-a', name, '-w'], {
        timeout: 10_000,
      });
      const key = stdout.trim();
      if (key !== '') return key;
    } catch {
      // not in the keychain either: said below
    }
  }
  const where =
    platform === 'darwin'
      ? `Set ${name} in the environment the app starts from, or store the key in the keychain: security add-generic-password -s ${KEYCHAIN_SERVICE} -a ${name} -w`
      : `Set ${name} in the environment the app starts from`;
  throw new FactoryError('CONFIG_INVALID', `server.api_key_env names ${name}, but no key was found. ${where}.`);
}
