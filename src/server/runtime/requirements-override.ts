import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FactoryError } from '../../errors/factory-error.js';

/**
 * `MLX_FACTORY_RUNTIME_REQUIREMENTS`: what the runtime install asks pip for instead of the pinned
 * mlx + mlx-lm set — for an offline machine with a wheel folder, a company mirror's builds, or the
 * tests (a local stand-in wheel, since installing the real set from PyPI is minutes of downloads).
 * Everything else of the install stays as it is (the base Python, the venv, pip, the check that
 * mlx imports and computes). Only the user's own environment sets it, never a repository's
 * factory.yaml; each entry must be a requirement or an existing local .whl file — never a pip
 * option (`--index-url`, `-r`…), since the entries go to pip's argv.
 */
export const REQUIREMENTS_ENV = 'MLX_FACTORY_RUNTIME_REQUIREMENTS';

/** `name`, `name[extra]`, `name==1.2`, `name>=1,<2` … (PEP 508 without URLs or markers). */
const SPECIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?([<>=!~]=?[A-Za-z0-9.*+!-]+(,[<>=!~]=?[A-Za-z0-9.*+!-]+)*)?$/;

const entrySchema = z.string().refine(
  // pip reads `name.whl` as a file in its cwd: a wheel must be named by its absolute path.
  (entry) =>
    entry.endsWith('.whl')
      ? path.isAbsolute(entry) && fs.statSync(entry, { throwIfNoEntry: false })?.isFile() === true
      : SPECIFIER.test(entry),
  { message: 'must be a requirement (name, name==version) or the absolute path of an existing .whl file' },
);

/** The override's entries, null when it is not set; a bad entry is a RUNTIME_INSTALL_FAILED naming it. */
export function requirementsOverride(env: NodeJS.ProcessEnv): string[] | null {
  const raw = env[REQUIREMENTS_ENV]?.trim() ?? '';
  if (raw === '') return null;
  const entries = raw.split(/\s+/);
  for (const entry of entries) {
    const parsed = entrySchema.safeParse(entry);
    if (!parsed.success)
      throw new FactoryError(
        'RUNTIME_INSTALL_FAILED',
        `${REQUIREMENTS_ENV}: "${entry}" ${parsed.error.issues[0]?.message ?? 'is not allowed'}. Unset it to install the tested mlx + mlx-lm set.`,
      );
  }
  return entries;
}
