/**
 * Where credentials usually live, so the sandbox can hide them from the command.
 *
 * Why a deny-list and not an empty $HOME: the user's toolchains live in $HOME (pyenv shims,
 * rustup, nvm, ~/.local/bin), and a check like `python main.py` must find them. So $HOME stays
 * visible but read-only, and these paths are masked (Linux: empty tmpfs / /dev/null bound over
 * them; macOS: file-read denied in resources/sandbox/macos.sb, which must list the same ones).
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/** Relative to $HOME. */
export const HOME_SECRET_PATHS: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.azure',
  '.kube',
  '.docker',
  '.password-store',
  '.config/gcloud',
  '.config/gh',
  '.config/hub',
  '.config/git/credentials',
  '.git-credentials',
  '.netrc',
  '.npmrc',
  '.yarnrc.yml',
  '.pypirc',
  '.pgpass',
  '.vault-token',
  '.huggingface',
  '.cache/huggingface/token',
  '.cargo/credentials',
  '.cargo/credentials.toml',
  '.gem/credentials',
  '.terraform.d/credentials.tfrc.json',
];

/** Absolute: sockets that hand out root-equivalent control of the machine. */
const SYSTEM_SECRET_PATHS: readonly string[] = ['/var/run/docker.sock', '/run/docker.sock'];

export interface SecretPath {
  /** Resolved (symlink-free) absolute path, which is what a mount or a profile must name. */
  path: string;
  isDirectory: boolean;
}

/** The secret paths that exist on this machine, resolved and de-duplicated. */
export async function findSecretPaths(home: string): Promise<SecretPath[]> {
  const candidates = [...(isAbsolute(home) ? HOME_SECRET_PATHS.map((relative) => join(home, relative)) : []), ...SYSTEM_SECRET_PATHS];
  const found = new Map<string, SecretPath>();
  for (const candidate of candidates) {
    try {
      const resolved = await realpath(candidate);
      const info = await stat(resolved);
      found.set(resolved, { path: resolved, isDirectory: info.isDirectory() });
    } catch {
      // Missing (the usual case) or unreadable: nothing to hide.
    }
  }
  return [...found.values()];
}
